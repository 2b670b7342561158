export { BootstrapVault, progressQuery } from './bootstrap-vault';
export { VerifyVaultHealth } from './verify-vault-health';
export type { HealthReport } from './verify-vault-health';
