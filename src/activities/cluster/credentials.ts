/**
 * Which of the tool's credentials (policies.ts) a server needs, and what the health run says about them: the
 * one place that reads them back from Vault to compare, never to repair.
 */
import type { HeldKeys, VaultNode } from '../../ports';
import { VaultRequestError } from '../../shared/errors';
import type { Finding } from '../../shared/health';
import { capabilitiesOf } from '../../shared/vault-server';
import { EXEC_POLICY, EXEC_POLICY_HCL, EXEC_ROLE, sameTokenRole } from './exec-access';
import { CREDENTIALS, rootGenerationPolicyHcl } from './policies';
import type { Credential } from './policies';

/** What a lost credential stops, for the finding's detail. */
const WITHOUT: Record<Credential['field'], string> = {
  workerToken: 'health checks, joins and unseals',
  snapshotToken: 'backups and restore drills fail',
  rootGenerationToken: 'break glass falls back to the worker token',
};

/**
 * The credentials this server needs: the root generation token only where root generation is authenticated,
 * as the server's capability says (src/shared/vault-server.ts: OpenBao's `sys/generate-root-token` from 2.6.0,
 * HashiCorp Vault's `sys/generate-root` from 2.0; Vault 1.x needs none). Asked of the capability, not probed:
 * Vault 2.x serves the same path as 1.x, only with a token, so which path answers no longer tells.
 */
export async function credentialsFor(node: VaultNode): Promise<Credential[]> {
  const { authenticated, api } = capabilitiesOf((await node.sealStatus()).server).rootGeneration;
  return CREDENTIALS.filter((c) => authenticated || !c.onlyForAuthenticatedRootGeneration).map((c) =>
    // The root generation token's policy names the server's own endpoints (Vault 2.x: sys/generate-root).
    c.onlyForAuthenticatedRootGeneration ? { ...c, hcl: rootGenerationPolicyHcl(api) } : c,
  );
}

const is403 = (err: unknown) => err instanceof VaultRequestError && err.status === 403;

/**
 * What `read` answers, or `undefined` when Vault refuses it (403): a worker policy of an older version may not
 * read what this version compares, which then counts as not this version's.
 */
async function unlessForbidden<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (!is403(err)) throw err;
    return undefined;
  }
}

/** What `vault-bootstrap exec` runs with (exec-access.ts) that is not as this version writes it. */
async function execAccessDrift(node: VaultNode, worker: string): Promise<string[]> {
  const drift: string[] = [];
  if ((await unlessForbidden(() => node.readPolicy(worker, EXEC_POLICY))) !== EXEC_POLICY_HCL)
    drift.push(`the policy ${EXEC_POLICY}`);
  if (!sameTokenRole(await unlessForbidden(() => node.readTokenRole(worker, EXEC_ROLE))))
    drift.push(`the token role ${EXEC_ROLE}`);
  return drift;
}

/**
 * The findings about the tool's credentials, read with the worker token `worker` on `node`: each needed token
 * custody holds is renewed (a 403 there: `CredentialMissing`), each missing one is `CredentialMissing`, and
 * each policy whose text is not this version's is `CredentialPolicyChanged`. Reads and renewals only.
 */
export async function credentialFindings(
  node: VaultNode,
  held: HeldKeys,
  worker: string,
  stack: string,
): Promise<Finding[]> {
  const repair = `\`vault-bootstrap credentials repair --stack ${stack}\` replaces it`;
  const findings: Finding[] = [];
  for (const c of await credentialsFor(node)) {
    const token = held[c.field];
    if (token === undefined) {
      findings.push({
        code: 'CredentialMissing',
        detail: `custody holds no ${c.name} (a cluster bootstrapped by an older version): ${WITHOUT[c.field]}; ${repair}`,
      });
    } else if (c.field !== 'workerToken') {
      try {
        await node.renewSelf(token); // a periodic token: every health run keeps it alive
      } catch (err) {
        if (!is403(err)) throw err;
        findings.push({
          code: 'CredentialMissing',
          detail: `Vault rejects the ${c.name} (revoked or expired): ${WITHOUT[c.field]}; ${repair}`,
        });
      }
    }
    const text = await unlessForbidden(() => node.readPolicy(worker, c.policy));
    if (text !== c.hcl)
      findings.push({
        code: 'CredentialPolicyChanged',
        detail:
          `the policy ${c.policy} ${text === undefined ? 'is missing or cannot be read' : 'is not the text this version writes'}; ` +
          `it was left as it is; \`vault-bootstrap credentials repair --stack ${stack}\` writes it again`,
      });
  }
  const drift = await execAccessDrift(node, worker);
  if (drift.length)
    findings.push({
      code: 'CredentialPolicyChanged',
      detail:
        `${drift.join(' and ')} (what \`vault-bootstrap exec\` runs with) ${drift.length > 1 ? 'are' : 'is'} missing or ` +
        `not what this version writes; left as found; \`vault-bootstrap credentials repair --stack ${stack}\` writes ${drift.length > 1 ? 'them' : 'it'} again`,
    });
  return findings;
}
