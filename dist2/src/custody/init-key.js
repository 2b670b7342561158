"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.initKeyName = initKeyName;
exports.prepareInitKey = prepareInitKey;
exports.hasInitKey = hasInitKey;
exports.storeInitAnswer = storeInitAnswer;
exports.discardInitKey = discardInitKey;
const errors_1 = require("../shared/errors");
// openpgp.js ships its types as an ES module and a CommonJS build beside them; this project compiles to CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp');
/** The custody name of a stack's pending init key, beside the stack's own record `<stack>`. */
function initKeyName(stack) {
    return `${stack}.init-key`;
}
/** Makes the pending key when there is none; returns its public half either way. */
async function prepareInitKey(custody, stack) {
    const name = initKeyName(stack);
    if (!(await custody.describe(name))) {
        const { privateKey } = await openpgp.generateKey({
            type: 'rsa',
            rsaBits: 3072,
            userIDs: [{ name: 'vault-bootstrap init', comment: stack }],
            format: 'armored',
        });
        // Two workers racing here: `store` never overwrites, so one key wins (the loser's `CustodyCorrupt`
        // conflict copy holds only a key no job was ever given) and both go on with the winner's.
        await custody.store(name, { unsealKey: privateKey }).catch(async (err) => {
            if (!(await custody.describe(name)))
                throw err;
        });
    }
    const key = await openpgp.readPrivateKey({ armoredKey: (await custody.read(name)).unsealKey });
    return { publicKey: key.toPublic().armor(), fingerprint: key.getFingerprint() };
}
async function hasInitKey(custody, stack) {
    return (await custody.describe(initKeyName(stack))) !== undefined;
}
/** Decrypts the answer with the pending key and stores it as the stack's record. */
async function storeInitAnswer(custody, stack, answer) {
    const name = initKeyName(stack);
    if (!(await custody.describe(name)))
        throw new errors_1.CustodyError('InitAnswerUnreadable', `an encrypted init answer of stack ${stack} was found, but custody holds no init key for it (${name}); ` +
            `the answer was left where it is`);
    const privateKey = await openpgp.readPrivateKey({ armoredKey: (await custody.read(name)).unsealKey });
    const open = async (field, base64) => {
        try {
            const message = await openpgp.readMessage({ binaryMessage: Buffer.from(base64, 'base64') });
            const opened = await openpgp.decrypt({
                message,
                decryptionKeys: privateKey,
                format: 'binary',
            });
            return Buffer.from(opened.data).toString('utf8');
        }
        catch {
            throw new errors_1.CustodyError('InitAnswerUnreadable', `the init answer's ${field} of stack ${stack} does not decrypt with custody's init key ` +
                `${privateKey.getFingerprint()}; the answer was left where it is`);
        }
    };
    const keyText = await open('unseal key', answer.unsealKey);
    const rootToken = await open('root token', answer.rootToken);
    // Vault's plaintext is the hex key; custody keeps keys base64, as `sys/init` answers them without pgp_keys.
    let unsealKey;
    if (/^(?:[0-9a-f]{2})+$/i.test(keyText))
        unsealKey = Buffer.from(keyText, 'hex').toString('base64');
    else if (/^[A-Za-z0-9+/]+={0,2}$/.test(keyText))
        unsealKey = keyText;
    else
        throw new errors_1.CustodyError('InitAnswerUnreadable', `the init answer's unseal key of stack ${stack} decrypts, but not to a hex or base64 key; the answer was left where it is`);
    return custody.store(stack, { unsealKey, rootToken });
}
async function discardInitKey(custody, stack) {
    const name = initKeyName(stack);
    const pending = await custody.describe(name);
    if (pending)
        await custody.remove(name, pending.keyId);
}
//# sourceMappingURL=init-key.js.map