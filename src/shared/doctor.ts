/**
 * What `vault-bootstrap doctor` reports: checks, each a row an operator reads top to bottom. The worker's half
 * (`DiagnoseVaultStack`, src/activities/diagnose.ts) and the client's (src/client/commands/doctor.ts) make the
 * same rows. Sandbox-safe types only.
 */

/** `ok`; `warn`: works, but an operator should know; `fail`: something will not work; `skip`: not checked. */
export type DoctorStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  name: string;
  status: DoctorStatus;
  detail: string;
}

/** The worker's half: its checks, and where the Vault tasks run (the client checks each node's agent). */
export interface StackDiagnosis {
  nodes: { id: string; hostname: string }[];
  vaultTasks: { slot: number; state: string; nodeId?: string }[];
  checks: DoctorCheck[];
}
