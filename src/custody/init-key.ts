/**
 * The init key: how a `sys/init` answer outlives whoever asked for it.
 *
 * Vault answers `sys/init` once, and finishes an init whose caller has gone. So the request is issued by a
 * process that is not the worker (a one-shot Swarm job beside vault-1, src/docker/gateway.ts), with
 * `pgp_keys` and `root_token_pgp_key` set to the public half of an OpenPGP key pair made here; the job's
 * output (its logs) holds the answer encrypted to it. The private half is stored in custody, durably and
 * encrypted like every record, *before* the request is sent: whichever worker comes next (the same one
 * restarted, or another with the same custody) decrypts the answer, stores it as the stack's record, and only
 * then removes the job and this key.
 *
 * The pending key is an ordinary custody record under its own name (`<stack>.init-key`), the armored private
 * key in the record's key field, so it is written, replicated (copied to the swarm with the swarm custody, so a
 * worker on another node opens an answer the one that asked never read) and read exactly as the unseal key is.
 * The unit tests' fake custody is given this same class, real OpenPGP included. The
 * OpenPGP work is openpgp.js (RSA 3072: what both Vault's and OpenBao's Go OpenPGP encrypt to).
 */
import type * as OpenPgp from 'openpgp' with { 'resolution-mode': 'import' };
import type { CustodyRecordInfo, EncryptedInitAnswer, InitKeyCustody, RemovableCustody } from '../ports';
import { CustodyError } from '../shared/errors';

// openpgp.js ships its types as an ES module and a CommonJS build beside them; this project compiles to CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp') as typeof OpenPgp;

/** The custody name of a stack's pending init key, beside the stack's own record `<stack>`. */
export function initKeyName(stack: string): string {
  return `${stack}.init-key`;
}

/** The custody name of a stack's rotation key (a rotation of the unseal key in progress). */
export function rekeyKeyName(stack: string): string {
  return `${stack}.rekey-key`;
}

/**
 * The stacks' init keys, kept as records of `records` (the worker's custody: the file custody, replicated or
 * not). Built once in src/wiring.ts beside that custody.
 */
export class InitKeys implements InitKeyCustody {
  constructor(private readonly records: RemovableCustody) {}

  /** Makes the pending key when there is none; returns its public half either way. */
  prepareInitKey(stack: string): Promise<{ publicKey: string; fingerprint: string }> {
    return this.prepare(initKeyName(stack), 'vault-bootstrap init', stack);
  }

  prepareRekeyKey(stack: string): Promise<{ publicKey: string; fingerprint: string }> {
    return this.prepare(rekeyKeyName(stack), 'vault-bootstrap rekey', stack);
  }

  /** The key pair stored as record `name`: made and stored when there is none; its public half. */
  private async prepare(
    name: string,
    user: string,
    stack: string,
  ): Promise<{ publicKey: string; fingerprint: string }> {
    const custody = this.records;
    if (!(await custody.describe(name))) {
      const { privateKey } = await openpgp.generateKey({
        type: 'rsa',
        rsaBits: 3072,
        userIDs: [{ name: user, comment: stack }],
        format: 'armored',
      });
      // Two workers racing here: `store` never overwrites, so one key wins (the loser's `CustodyCorrupt`
      // conflict copy holds only a key no job was ever given) and both go on with the winner's.
      await custody.store(name, { unsealKey: privateKey }).catch(async (err: unknown) => {
        if (!(await custody.describe(name))) throw err;
      });
    }
    const key = await openpgp.readPrivateKey({ armoredKey: (await custody.read(name)).unsealKey });
    return { publicKey: key.toPublic().armor(), fingerprint: key.getFingerprint() };
  }

  /** Decrypts the answer with the pending key and stores it as the stack's record. */
  async storeInitAnswer(stack: string, answer: EncryptedInitAnswer): Promise<CustodyRecordInfo> {
    const open = await this.opener(
      initKeyName(stack),
      `an encrypted init answer of stack ${stack} was found, but custody holds no init key for it (${initKeyName(stack)}); ` +
        `the answer was left where it is`,
      (field, fingerprint) =>
        `the init answer's ${field} of stack ${stack} does not decrypt with custody's init key ` +
        `${fingerprint}; the answer was left where it is`,
    );
    const keyText = await open('unseal key', answer.unsealKey);
    const rootToken = await open('root token', answer.rootToken);
    // Vault's plaintext is the hex key; custody keeps keys base64, as `sys/init` answers them without pgp_keys.
    let unsealKey: string;
    if (/^(?:[0-9a-f]{2})+$/i.test(keyText)) unsealKey = Buffer.from(keyText, 'hex').toString('base64');
    else if (/^[A-Za-z0-9+/]+={0,2}$/.test(keyText)) unsealKey = keyText;
    else
      throw new CustodyError(
        'InitAnswerUnreadable',
        `the init answer's unseal key of stack ${stack} decrypts, but not to a hex or base64 key; the answer was left where it is`,
      );
    return this.records.store(stack, { unsealKey, rootToken });
  }

  async openRekeyShare(stack: string, share: string): Promise<string> {
    const open = await this.opener(
      rekeyKeyName(stack),
      `a rotated unseal key of stack ${stack} was answered, but custody holds no rotation key for it (${rekeyKeyName(stack)})`,
      (_field, fingerprint) =>
        `the rotated unseal key of stack ${stack} does not decrypt with custody's rotation key ${fingerprint}`,
    );
    const text = await open('unseal key', share);
    if (!/^(?:[0-9a-f]{2})+$/i.test(text))
      throw new CustodyError(
        'InitAnswerUnreadable',
        `the rotated unseal key of stack ${stack} decrypts, but not to a hex key`,
      );
    return Buffer.from(text, 'hex').toString('base64');
  }

  /**
   * Decrypts, with the private key stored as record `name`, base64 OpenPGP messages (one per call of the function
   * it returns) to their text. No such record is `InitAnswerUnreadable` saying `missing`; a message that does not
   * decrypt is `InitAnswerUnreadable` saying `unreadable(field, fingerprint)`.
   */
  private async opener(
    name: string,
    missing: string,
    unreadable: (field: string, fingerprint: string) => string,
  ): Promise<(field: string, base64: string) => Promise<string>> {
    if (!(await this.records.describe(name))) throw new CustodyError('InitAnswerUnreadable', missing);
    const privateKey = await openpgp.readPrivateKey({
      armoredKey: (await this.records.read(name)).unsealKey,
    });
    return async (field, base64) => {
      try {
        const message = await openpgp.readMessage({ binaryMessage: Buffer.from(base64, 'base64') });
        const opened: { data: Uint8Array } = await openpgp.decrypt({
          message,
          decryptionKeys: privateKey,
          format: 'binary',
        });
        return Buffer.from(opened.data).toString('utf8');
      } catch {
        throw new CustodyError('InitAnswerUnreadable', unreadable(field, privateKey.getFingerprint()));
      }
    };
  }

  discardInitKey(stack: string): Promise<void> {
    return this.discard(initKeyName(stack));
  }

  discardRekeyKey(stack: string): Promise<void> {
    return this.discard(rekeyKeyName(stack));
  }

  private async discard(name: string): Promise<void> {
    const pending = await this.records.describe(name);
    if (pending) await this.records.remove(name, pending.keyId);
  }
}
