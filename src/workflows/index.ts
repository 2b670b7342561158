export { BootstrapVault, progressQuery } from './bootstrap-vault';
export { VerifyVaultHealth } from './verify-vault-health';
export { WatchVaultTasks } from './watch-vault-tasks';
export { BreakGlassRootToken, breakGlassQuery, revokeNowSignal } from './break-glass-root-token';
export { HoldVaultStack, releaseSignal } from './hold-vault-stack';
export { BackupVault } from './backup-vault';
export { RestoreDrill } from './restore-drill';
export { RestoreVault } from './restore-vault';
export { RepairVaultCredentials } from './repair-vault-credentials';
