/**
 * `diagnoseStack` (`DiagnoseVaultStack`, the worker's half of `vault-bootstrap doctor`, after the bootstrap's
 * own `preflight`: stack files, TLS files, swarm, network, custody): what else the worker that took it can see of
 * a stack's set-up, as checks an operator reads top to bottom. It reads only: it changes
 * nothing in Docker, Vault, custody or the backup folder, and it never throws for a failed check (a check
 * that fails is a row, so one broken thing does not hide the others).
 *
 * The client's half (configuration, Temporal, pollers, the node agents) is in src/client/commands/doctor.ts.
 */
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { serviceName, TLS_FILES, VAULT_REPLICAS } from '../shared/constants';
import { CustodyError, messageOf } from '../shared/errors';
import type { DoctorCheck, StackDiagnosis } from '../shared/doctor';
import type { ActivityDeps } from './deps';

const DAY_MS = 86_400_000;

/** The names a Vault certificate must carry: each node's (`VAULT_TLS_SERVER_NAME`), and 127.0.0.1 for the CLI. */
export function requiredCertificateNames(serverNameTemplate: string): string[] {
  const names = new Set<string>();
  for (let slot = 1; slot <= VAULT_REPLICAS; slot++)
    names.add(`DNS:${serverNameTemplate.replace('{slot}', String(slot))}`);
  names.add('IP Address:127.0.0.1');
  return [...names];
}

/** The certificate check: its names against `required`, its expiry against `warnDays`. */
export function certificateCheck(pem: string, required: string[], warnDays: number, now: Date): DoctorCheck {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    return {
      name: 'certificate',
      status: 'fail',
      detail: `fullchain.pem is not a certificate: ${String(err)}`,
    };
  }
  const has = new Set((cert.subjectAltName ?? '').split(',').map((n) => n.trim()));
  const missing = required.filter((n) => !has.has(n));
  const daysLeft = Math.floor((new Date(cert.validTo).getTime() - now.getTime()) / DAY_MS);
  const names = `names ${[...has].join(', ') || '(none)'}`;
  if (missing.length)
    return {
      name: 'certificate',
      status: 'fail',
      detail: `lacks ${missing.join(', ')} (a node or the CLI in a task cannot verify it); ${names}`,
    };
  if (daysLeft < 0) return { name: 'certificate', status: 'fail', detail: `expired on ${cert.validTo}` };
  return {
    name: 'certificate',
    status: daysLeft < warnDays ? 'warn' : 'ok',
    detail: `${names}; expires in ${daysLeft} days (${cert.validTo})`,
  };
}

function failed(name: string, err: unknown): DoctorCheck {
  return { name, status: 'fail', detail: messageOf(err) };
}

export function createDiagnoseActivities(deps: ActivityDeps) {
  const { swarm, config, custody, clock } = deps;

  async function check(name: string, run: () => Promise<DoctorCheck>): Promise<DoctorCheck> {
    try {
      return await run();
    } catch (err) {
      return failed(name, err);
    }
  }

  async function diagnoseStack(input: {
    stack: string;
    certExpiryWarnDays: number;
  }): Promise<StackDiagnosis> {
    const { stack } = input;
    const service = serviceName(stack);
    const checks: DoctorCheck[] = [];

    checks.push(
      await check('certificate', async () =>
        certificateCheck(
          await deps.files.readText(join(config.vault.certDir, TLS_FILES.chain)),
          requiredCertificateNames(config.vault.serverNameTemplate),
          input.certExpiryWarnDays,
          new Date(clock.now()),
        ),
      ),
    );
    checks.push(
      await check('custody', async () => {
        await custody.assertWritable(stack);
        try {
          await custody.read(stack);
          return {
            name: 'custody',
            status: 'ok',
            detail: `the record of ${stack} opens with the custody key`,
          };
        } catch (err) {
          if (err instanceof CustodyError && err.kind === 'UnsealKeyUnavailable')
            return {
              name: 'custody',
              status: 'ok',
              detail: `writable; no record of ${stack} yet (not bootstrapped)`,
            };
          throw err;
        }
      }),
    );
    checks.push(
      await check('backup folder', async () => {
        const target = await deps.snapshots.of(stack).check();
        return target.usable
          ? {
              name: 'backup folder',
              status: 'ok',
              detail: target.created ? 'private and writable' : 'not made yet; its root is writable',
            }
          : { name: 'backup folder', status: 'fail', detail: `${target.error}: ${target.detail}` };
      }),
    );

    let vaultTasks: StackDiagnosis['vaultTasks'] = [];
    checks.push(
      await check('vault tasks', async () => {
        const tasks = await swarm.currentTasks(service);
        vaultTasks = [...tasks.values()].map((t) => ({ slot: t.slot, state: t.state, nodeId: t.nodeId }));
        const running = vaultTasks.filter((t) => t.state === 'running').length;
        if (!tasks.size)
          return {
            name: 'vault tasks',
            status: 'warn',
            detail: `${service} has no task (not deployed yet?)`,
          };
        return {
          name: 'vault tasks',
          status: running === VAULT_REPLICAS ? 'ok' : 'fail',
          detail: `${running} of ${VAULT_REPLICAS} running`,
        };
      }),
    );
    const nodes = await swarm.listNodes().catch(() => []);
    return {
      nodes: nodes.map((n) => ({ id: n.id, hostname: n.hostname })),
      vaultTasks,
      checks,
    };
  }

  return { diagnoseStack };
}
