/**
 * The checks of every workflow's input, where it is used: a workflow started directly (not through the client,
 * whose own checks it then skipped) with a malformed input fails at once with `InvalidInput`, before any
 * activity runs; the activities that act on an input beyond the stack name (break glass) check it again.
 *
 * Sandbox-safe (workflows import it): no Node builtins. A failed check throws the non-retryable
 * `ApplicationFailure` of type `InvalidInput`, which fails a workflow (not its task) and an activity alike.
 * Messages name the field and what was expected, never the value of a secret (inputs carry none).
 */
import type { HealthInput, HoldInput, StackHold } from './health';
import { ErrorType, nonRetryableFailure } from './errors';
import { isStackName, STACK_NAME_RULE } from './names';
import type { BreakGlassInput, UpgradeInput } from './types';

/** A break-glass token's time to live: long enough to be used, short enough to stay an emergency measure. */
export const ROOT_TOKEN_TTL = { defaultSeconds: 15 * 60, minSeconds: 10, maxSeconds: 24 * 3600 } as const;

/** How long a node an upgrade replaced may take to serve (`upgrade --node-timeout`). */
export const UPGRADE_NODE_TIMEOUT = { defaultMs: 5 * 60_000, minMs: 30_000, maxMs: 3_600_000 } as const;

/** The bounds of a health check's numbers, here and in the client's configuration. */
export const HEALTH_INPUT_LIMITS = { certExpiryWarnDays: 3650, settleSeconds: 3600 } as const;

/** The longest free text an input may carry (a hold's reason, a requester, a snapshot path). */
const TEXT_MAX = 1024;
/** The longest public key accepted (an RSA-16384 key in PEM is under 3 KiB). */
const PEM_MAX = 16 * 1024;
/** A Vault token accessor: letters, digits, `.`, `_`, `-` (`hvs.…` style or a bare id). */
const ACCESSOR_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** Whether `text` can be a Vault token accessor (what `root-token revoke --accessor` takes). */
export function isAccessor(text: string): boolean {
  return ACCESSOR_RE.test(text);
}
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

function refuse(field: string, expected: string): never {
  throw nonRetryableFailure(ErrorType.InvalidInput, `input ${field}: expected ${expected}; nothing was done`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The input is an object; returns it typed. */
function object<T>(input: unknown, what: string): T {
  if (!isRecord(input)) refuse(what, 'an object');
  return input as T;
}

export function checkStack(stack: unknown, field = 'stack'): string {
  if (!isStackName(stack)) refuse(field, `a stack name of ${STACK_NAME_RULE}`);
  return stack;
}

function text(v: unknown, field: string, { optional = false, max = TEXT_MAX } = {}): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > max || CONTROL_RE.test(v))
    refuse(field, `a text of 1 to ${max} characters without control characters`);
  return v;
}

function numberIn(v: unknown, field: string, min: number, max: number, integer = false): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    refuse(field, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  return v;
}

/** `{ stack }`, the input of `BootstrapVault`, `BackupVault`, `RestoreDrill`, `WatchVaultTasks`. */
export function checkStackInput<T extends { stack: string }>(input: T): T {
  checkStack(object<T>(input, 'input').stack);
  return input;
}

/** `UpgradeVault`'s input: the stack, and a node timeout (when given) from 30 s to an hour. */
export function checkUpgradeInput(input: UpgradeInput): UpgradeInput {
  checkStackInput(input);
  numberIn(
    input.nodeTimeoutMs,
    'input.nodeTimeoutMs',
    UPGRADE_NODE_TIMEOUT.minMs,
    UPGRADE_NODE_TIMEOUT.maxMs,
    true,
  );
  return input;
}

/** `WatchVaultTasks`'s input: `{ stack }`, and the window it carries over continue-as-new (epoch ms). */
export function checkWatchInput<T extends { stack: string; sinceMs?: number }>(input: T): T {
  checkStackInput(input);
  numberIn(input.sinceMs, 'input.sinceMs', 0, Number.MAX_SAFE_INTEGER);
  return input;
}

export function checkHealthInput(input: HealthInput, field = 'input'): HealthInput {
  const i = object<HealthInput>(input, field);
  checkStack(i.stack, `${field}.stack`);
  if (i.remediate !== undefined && typeof i.remediate !== 'boolean')
    refuse(`${field}.remediate`, 'true or false');
  numberIn(i.certExpiryWarnDays, `${field}.certExpiryWarnDays`, 0, HEALTH_INPUT_LIMITS.certExpiryWarnDays);
  numberIn(i.settleSeconds, `${field}.settleSeconds`, 0, HEALTH_INPUT_LIMITS.settleSeconds);
  return i;
}

function checkHold(hold: StackHold, field: string): void {
  const h = object<StackHold>(hold, field);
  text(h.reason, `${field}.reason`);
  if (typeof h.since !== 'string' || Number.isNaN(Date.parse(h.since)))
    refuse(`${field}.since`, 'an ISO-8601 time');
  text(h.by, `${field}.by`, { optional: true });
}

export function checkHoldInput(input: HoldInput): HoldInput {
  const i = object<HoldInput>(input, 'input');
  checkHold(i.hold, 'input.hold');
  checkHealthInput(i.check, 'input.check');
  return i;
}

/** `RestoreVault`'s input: the stack, the snapshot (a name or a path), the check after it. */
export function checkRestoreInput<T extends { stack: string; snapshot: string; check: HealthInput }>(
  input: T,
): T {
  const i = object<T>(input, 'input');
  checkStack(i.stack, 'input.stack');
  text(i.snapshot, 'input.snapshot', { max: 4096 });
  checkHealthInput(i.check, 'input.check');
  return i;
}

/** `BreakGlassRootToken`'s input: the TTL within `ROOT_TOKEN_TTL`, a PEM public key, who asked. */
export function checkBreakGlassInput(input: BreakGlassInput): BreakGlassInput {
  const i = object<BreakGlassInput>(input, 'input');
  checkStack(i.stack, 'input.stack');
  if (
    numberIn(i.ttlSeconds, 'input.ttlSeconds', ROOT_TOKEN_TTL.minSeconds, ROOT_TOKEN_TTL.maxSeconds, true) ===
    undefined
  )
    refuse(
      'input.ttlSeconds',
      `an integer from ${ROOT_TOKEN_TTL.minSeconds} to ${ROOT_TOKEN_TTL.maxSeconds}`,
    );
  const pem = i.recipientPublicKeyPem;
  if (
    typeof pem !== 'string' ||
    pem.length > PEM_MAX ||
    !pem.includes('-----BEGIN PUBLIC KEY-----') ||
    !pem.includes('-----END PUBLIC KEY-----')
  )
    refuse(
      'input.recipientPublicKeyPem',
      `a PEM public key ("-----BEGIN PUBLIC KEY-----", at most ${PEM_MAX} characters)`,
    );
  text(i.requester, 'input.requester', { max: 256 });
  return i;
}

/** `revokeBreakGlassToken`'s input: the stack and a token accessor. */
export function checkRevocationInput(input: { stack: string; accessor: string }): {
  stack: string;
  accessor: string;
} {
  const i = object<{ stack: string; accessor: string }>(input, 'input');
  checkStack(i.stack, 'input.stack');
  if (typeof i.accessor !== 'string' || !ACCESSOR_RE.test(i.accessor))
    refuse('input.accessor', 'a token accessor (letters, digits, ".", "_", "-")');
  return i;
}
