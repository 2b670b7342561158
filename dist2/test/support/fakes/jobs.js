"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.fakeJobRunner = fakeJobRunner;
const constants_1 = require("../../../src/shared/constants");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const openpgp = require('openpgp');
async function encryptTo(armoredKey, text) {
    const key = await openpgp.readKey({ armoredKey });
    const message = await openpgp.createMessage({ text });
    const sealed = await openpgp.encrypt({ message, encryptionKeys: key, format: 'binary' });
    return Buffer.from(sealed).toString('base64');
}
function fakeJobRunner(vault) {
    return async (spec) => {
        if (spec.labels[constants_1.LABEL_KIND] === 'wipe-job') {
            vault.wipe(spec.slot);
            return { exitCode: 0, stdout: '' };
        }
        const node = vault.factory((0, constants_1.nodeName)(spec.slot), {
            host: new URL(spec.env.VAULT_ADDR ?? 'https://x').hostname,
            port: constants_1.VAULT_API_PORT,
            serverName: spec.env.VAULT_TLS_SERVER_NAME ?? '',
        });
        let answer;
        try {
            answer = await node.init();
        }
        catch (err) {
            return { exitCode: 2, stdout: '', stderr: `Error initializing: ${err.message}` };
        }
        const publicKey = spec.env.VAULT_BOOTSTRAP_INIT_KEY ?? '';
        const hexKey = Buffer.from(answer.unsealKey, 'base64').toString('hex');
        const body = {
            unseal_keys_b64: [await encryptTo(publicKey, hexKey)],
            unseal_keys_hex: ['(not read)'],
            unseal_shares: 1,
            unseal_threshold: 1,
            root_token: await encryptTo(publicKey, answer.rootToken),
        };
        return { exitCode: 0, stdout: JSON.stringify(body, null, 2) };
    };
}
//# sourceMappingURL=jobs.js.map