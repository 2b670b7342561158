/** The memo key `HoldVaultStack` keeps the hold under (sandbox-safe: workflows and the worker both read it). */
export const HOLD_MEMO_KEY = 'hold';
