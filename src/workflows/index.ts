export { BootstrapVault, progressQuery } from './bootstrap-vault';
export { VerifyVaultHealth } from './verify-vault-health';
export { WatchVaultTasks } from './watch-vault-tasks';
