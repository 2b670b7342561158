"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TestCertificates = void 0;
/**
 * A test CA of the test's own and server certificates signed by it (openssl), so a test can re-issue
 * the certificate Vault serves, as SWAG and cert-distributor do in production.
 */
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const node_util_1 = require("node:util");
const run = (0, node_util_1.promisify)(node_child_process_1.execFile);
const SANS = 'DNS:vault,DNS:vault-1,DNS:vault-2,DNS:vault-3,DNS:tasks.vault,DNS:localhost,IP:127.0.0.1';
class TestCertificates {
    dir;
    work;
    constructor(base) {
        this.dir = (0, node_path_1.join)(base, 'certs');
        this.work = (0, node_path_1.join)(base, 'ca');
        (0, node_fs_1.mkdirSync)(this.dir, { recursive: true });
        (0, node_fs_1.mkdirSync)(this.work, { recursive: true, mode: 0o700 });
    }
    async createCa() {
        const key = (0, node_path_1.join)(this.work, 'ca.key');
        await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
        await run('openssl', [
            'req',
            '-x509',
            '-new',
            '-key',
            key,
            '-sha256',
            '-days',
            '90',
            '-subj',
            '/CN=vault-bootstrap test CA',
            '-out',
            (0, node_path_1.join)(this.dir, 'ca.pem'),
        ]);
    }
    /** Issues a new server key and certificate and swaps them into the folder atomically (rename). */
    async issueServer(serial) {
        const key = (0, node_path_1.join)(this.work, `server-${serial}.key`);
        const csr = (0, node_path_1.join)(this.work, `server-${serial}.csr`);
        const crt = (0, node_path_1.join)(this.work, `server-${serial}.crt`);
        const ext = (0, node_path_1.join)(this.work, `server-${serial}.ext`);
        (0, node_fs_1.writeFileSync)(ext, `subjectAltName=${SANS}\nextendedKeyUsage=serverAuth\n`);
        await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
        await run('openssl', ['req', '-new', '-key', key, '-subj', `/CN=vault (${serial})`, '-out', csr]);
        await run('openssl', [
            'x509',
            '-req',
            '-in',
            csr,
            '-CA',
            (0, node_path_1.join)(this.dir, 'ca.pem'),
            '-CAkey',
            (0, node_path_1.join)(this.work, 'ca.key'),
            '-set_serial',
            String(serial),
            '-days',
            '60',
            '-sha256',
            '-extfile',
            ext,
            '-out',
            crt,
        ]);
        const { readFileSync } = await import('node:fs');
        const chain = readFileSync(crt, 'utf8') + readFileSync((0, node_path_1.join)(this.dir, 'ca.pem'), 'utf8');
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(this.dir, '.fullchain.pem.new'), chain);
        (0, node_fs_1.writeFileSync)((0, node_path_1.join)(this.dir, '.privkey.pem.new'), readFileSync(key), { mode: 0o644 });
        (0, node_fs_1.renameSync)((0, node_path_1.join)(this.dir, '.privkey.pem.new'), (0, node_path_1.join)(this.dir, 'privkey.pem'));
        (0, node_fs_1.renameSync)((0, node_path_1.join)(this.dir, '.fullchain.pem.new'), (0, node_path_1.join)(this.dir, 'fullchain.pem'));
    }
}
exports.TestCertificates = TestCertificates;
//# sourceMappingURL=certs.js.map