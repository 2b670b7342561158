// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// What no file under src/activities/ may import (the second activities block below adds to it: ESLint takes
// one `no-restricted-imports` per file, the last matching block's).
const activityPaths = ['fs', 'fs/promises', 'node:fs', 'node:fs/promises'].map((name) => ({
  name,
  message: 'Activities reach files through a port (src/ports/files.ts, src/ports/snapshots.ts).',
}));
const activityPatterns = [
  {
    group: ['**/docker/**', '**/vault/**', '**/custody/**', 'dockerode', 'node-vault'],
    message: 'Activities depend on the interfaces in src/ports, never on a gateway or custody.',
  },
  { group: ['**/workflows/**'], message: 'Activities never import workflows.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node builtins, no side-effect modules.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflows run in the Temporal sandbox: no Node builtins.',
          })),
          patterns: [
            {
              group: ['**/docker/**', '**/vault/**', '**/custody/**', 'dockerode', 'node-vault'],
              message: 'Workflows never import gateways or custody.',
            },
          ],
        },
      ],
    },
  },
  {
    // Activities see the world through the ports (src/ports); src/wiring.ts picks the implementations.
    files: ['src/activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: activityPaths,
          patterns: activityPatterns,
        },
      ],
    },
  },
  {
    // An activity file (one group of activities) shares code only through deps, heartbeat and cluster/.
    files: ['src/activities/*.ts'],
    ignores: ['src/activities/deps.ts', 'src/activities/index.ts', 'src/activities/heartbeat.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: activityPaths,
          patterns: [
            ...activityPatterns,
            {
              regex: '^\\./(?!deps$|heartbeat$|cluster/)',
              message: 'Activity files never import each other: what two share goes to activities/cluster/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/client.ts', 'src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/activities/**'], message: 'The client never imports activities.' }] },
      ],
    },
  },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
