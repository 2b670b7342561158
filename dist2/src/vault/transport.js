"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createNodeAgent = createNodeAgent;
exports.servedCertificate = servedCertificate;
exports.vaultHttp = vaultHttp;
exports.vaultGetStream = vaultGetStream;
exports.vaultPostStream = vaultPostStream;
/**
 * How the worker reaches one Vault node over verified TLS.
 *
 * - `direct`: TCP to the task's overlay address (the worker runs in a container on `iklimco-net`).
 * - `tunnel`: TCP to the project's tunnel (a container on `iklimco-net`, published on loopback), which is
 *   told the target in one line `host:port\n` and then pipes bytes. TLS is end to end: the tunnel never sees
 *   plaintext, and the worker verifies the node's certificate against the CA with the node's server name.
 */
const node_https_1 = require("node:https");
const node_net_1 = require("node:net");
const node_tls_1 = require("node:tls");
/**
 * How long a TLS handshake may take. A live Vault answers in milliseconds; an overlay address with nothing
 * behind it (a task just replaced, a node cut off) drops packets instead of refusing, and each call would
 * otherwise wait for its whole request timeout (10 s) before the next poll could try the new address.
 */
const HANDSHAKE_TIMEOUT_MS = 3_000;
function handshakeWithin(socket, serverName) {
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake from ${serverName} within ${HANDSHAKE_TIMEOUT_MS / 1000}s (no answer at its address)`)), HANDSHAKE_TIMEOUT_MS);
    socket.once('secureConnect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
}
class NodeAgent extends node_https_1.Agent {
    target;
    addressing;
    constructor(target, addressing, options) {
        // One short-lived connection per request keeps a restarted task from reusing a dead socket.
        super({ ...options, keepAlive: false, servername: target.serverName });
        this.target = target;
        this.addressing = addressing;
    }
    createConnection(options) {
        const tlsOptions = {
            ...options,
            ca: this.options.ca,
            servername: this.target.serverName,
            rejectUnauthorized: true,
        };
        if (this.addressing.mode === 'direct') {
            return handshakeWithin((0, node_tls_1.connect)({ ...tlsOptions, host: this.target.host, port: this.target.port }), this.target.serverName);
        }
        const raw = (0, node_net_1.connect)({ host: this.addressing.host, port: this.addressing.port });
        raw.write(`${this.target.host}:${this.target.port}\n`);
        return handshakeWithin((0, node_tls_1.connect)({ ...tlsOptions, socket: raw }), this.target.serverName);
    }
}
function createNodeAgent(target, addressing, ca) {
    return new NodeAgent(target, addressing, { ca, rejectUnauthorized: true });
}
/** Opens a verified TLS connection to the node and reads the leaf certificate it presents. */
function servedCertificate(target, addressing, ca, timeoutMs) {
    const agent = new NodeAgent(target, addressing, { ca, rejectUnauthorized: true });
    return new Promise((resolve, reject) => {
        const socket = agent.createConnection({});
        const timer = setTimeout(() => socket.destroy(new Error(`TLS handshake with ${target.serverName} timed out`)), timeoutMs);
        socket.once('secureConnect', () => {
            clearTimeout(timer);
            const cert = socket.getPeerCertificate();
            socket.end();
            resolve({ fingerprint256: cert.fingerprint256 });
        });
        socket.once('error', (err) => {
            clearTimeout(timer);
            reject(err);
        });
    });
}
/**
 * node-vault's HTTP layer, replaced (its `request-promise` option): one `https.request` through the given
 * agent, nothing else. node-vault's own layer is axios, which reads `HTTPS_PROXY`/`HTTP_PROXY` from the
 * environment and then sends every Vault call, `sys/init` included, to the proxy instead of through our
 * agent; this one reads no environment at all. A call without an agent is refused: every call must be
 * verified against the configured CA. Errors carry a socket `code` (`ETIMEDOUT` when `timeout` ran out).
 */
function vaultHttp(options) {
    const agent = options.httpsAgent;
    if (!agent)
        return Promise.reject(new Error('internal: a Vault request without the node agent'));
    const url = new URL(options.uri);
    const payload = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json));
    const headers = { accept: 'application/json', ...options.headers };
    if (payload)
        Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
    return new Promise((resolve, reject) => {
        const req = (0, node_https_1.request)({
            agent,
            method: options.method,
            hostname: url.hostname,
            port: url.port,
            path: url.pathname + url.search,
            headers,
        }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
                clearTimeout(timer);
                const text = Buffer.concat(chunks).toString('utf8');
                let body = text === '' ? undefined : text;
                try {
                    if (text !== '')
                        body = JSON.parse(text);
                }
                catch {
                    // not JSON: handed on as text
                }
                resolve({ statusCode: res.statusCode ?? 0, body, request: { path: url.pathname } });
            });
        });
        const timer = options.timeout === undefined
            ? undefined
            : setTimeout(() => {
                const err = new Error(`no answer within ${options.timeout} ms`);
                err.code = 'ETIMEDOUT';
                req.destroy(err);
            }, options.timeout);
        req.on('error', (err) => {
            clearTimeout(timer);
            reject(err);
        });
        req.end(payload);
    });
}
/**
 * A request whose body or answer is streamed, not held in memory (a Raft snapshot can be gigabytes): resolves
 * with the response once its status is 2xx. Another status is rejected the way `vaultHttp` answers it
 * (`{ response: { statusCode, body } }`, which `toSafeError` names). `idleMs` bounds every wait for the other
 * side (the answer, each chunk): a transfer that stalls fails, one that is slow but moving does not.
 */
function vaultStreamRequest(method, agent, uri, headers, idleMs, body) {
    const url = new URL(uri);
    return new Promise((resolve, reject) => {
        const req = (0, node_https_1.request)({ agent, method, hostname: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
                resolve(res);
                return;
            }
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
                let parsed;
                try {
                    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
                }
                catch {
                    parsed = undefined;
                }
                reject(Object.assign(new Error(`HTTP ${res.statusCode}`), {
                    response: { statusCode: res.statusCode, body: parsed },
                }));
            });
        });
        req.setTimeout(idleMs, () => {
            const err = new Error(`nothing received for ${idleMs} ms`);
            err.code = 'ETIMEDOUT';
            req.destroy(err);
        });
        req.on('error', reject);
        if (!body) {
            req.end();
            return;
        }
        // A body that fails to read (a file gone, a disk error) fails the request rather than leaving it hanging.
        body.on('error', (err) => req.destroy(err));
        body.pipe(req);
    });
}
/** A GET whose answer is streamed (see `vaultStreamRequest`): read the response as an async iterable of chunks. */
function vaultGetStream(agent, uri, headers, idleMs) {
    return vaultStreamRequest('GET', agent, uri, headers, idleMs);
}
/**
 * A POST whose body is streamed from `body` (see `vaultStreamRequest`); resolves once Vault accepted it, with
 * its answer drained.
 */
async function vaultPostStream(agent, uri, headers, idleMs, body) {
    const res = await vaultStreamRequest('POST', agent, uri, headers, idleMs, body);
    res.resume();
    await new Promise((resolve, reject) => {
        res.on('end', resolve);
        res.on('error', reject);
    });
}
//# sourceMappingURL=transport.js.map