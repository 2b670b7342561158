"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.checkStackFiles = checkStackFiles;
exports.createStackActivities = createStackActivities;
/**
 * Preflight (validate input before anything changes) and step 2, `deployStack`.
 */
const promises_1 = require("node:fs/promises");
const node_path_1 = require("node:path");
const yaml_1 = require("yaml");
const config_1 = require("../config");
const constants_1 = require("../shared/constants");
const errors_1 = require("../shared/errors");
const deps_1 = require("./deps");
const secrets_1 = require("./secrets");
function obj(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}
/** `StackFileInvalid`, naming the problem. */
function invalid(message) {
    return new errors_1.NonRetryableError(errors_1.ErrorType.StackFileInvalid, message);
}
/**
 * Checks the merged stack files for what the bootstrap relies on: service `vault`, 3 replicas, the secret
 * target `vault_unseal_key`, and the external network `iklimco-net`. Throws `StackFileInvalid` naming the problem.
 */
async function checkStackFiles(files) {
    let replicas;
    let hasService = false;
    let hasSecretTarget = false;
    let hasNetwork = false;
    let networkExternal = false;
    for (const file of files) {
        let text;
        try {
            text = await (0, promises_1.readFile)(file, 'utf8');
        }
        catch (err) {
            throw invalid(`stack file ${file} cannot be read (${err.code ?? String(err)})`);
        }
        let doc;
        try {
            doc = obj((0, yaml_1.parse)(text));
        }
        catch (err) {
            throw invalid(`stack file ${file} is not valid YAML: ${err.message.split('\n')[0]}`);
        }
        if (!doc)
            throw invalid(`stack file ${file} is not a compose document`);
        const svc = obj(obj(doc.services)?.[constants_1.VAULT_SERVICE]);
        if (svc) {
            hasService = true;
            const r = obj(svc.deploy)?.replicas;
            if (r !== undefined)
                replicas = r;
            for (const s of Array.isArray(svc.secrets) ? svc.secrets : []) {
                const target = typeof s === 'string' ? s : (obj(s)?.target ?? obj(s)?.source);
                if (target === constants_1.UNSEAL_SECRET_TARGET)
                    hasSecretTarget = true;
            }
            const nets = svc.networks;
            if ((Array.isArray(nets) && nets.includes(constants_1.VAULT_NETWORK)) || obj(nets)?.[constants_1.VAULT_NETWORK] !== undefined)
                hasNetwork = true;
        }
        const topNet = obj(obj(doc.networks)?.[constants_1.VAULT_NETWORK]);
        if (topNet?.external === true)
            networkExternal = true;
    }
    const where = files.join(', ');
    if (!hasService)
        throw invalid(`no service "${constants_1.VAULT_SERVICE}" in ${where}`);
    if (Number(replicas) !== constants_1.VAULT_REPLICAS) {
        throw invalid(`service "${constants_1.VAULT_SERVICE}" must have deploy.replicas: ${constants_1.VAULT_REPLICAS} (found ${JSON.stringify(replicas ?? 'none')}) in ${where}`);
    }
    if (!hasSecretTarget)
        throw invalid(`service "${constants_1.VAULT_SERVICE}" must mount a secret at target "${constants_1.UNSEAL_SECRET_TARGET}" in ${where}`);
    if (!hasNetwork || !networkExternal) {
        throw invalid(`service "${constants_1.VAULT_SERVICE}" must join the external network "${constants_1.VAULT_NETWORK}" in ${where}`);
    }
}
function createStackActivities(deps) {
    const { swarm, custody, config } = deps;
    /** Validates everything a step will need, before any step changes anything. */
    async function preflight(input) {
        (0, config_1.validateStackName)(input.stack);
        await checkStackFiles(config.stack.files);
        for (const f of Object.values(constants_1.TLS_FILES)) {
            const path = (0, node_path_1.join)(config.vault.certDir, f);
            try {
                await (0, promises_1.access)(path);
            }
            catch {
                throw new errors_1.NonRetryableError(errors_1.ErrorType.CertificatesMissing, `TLS file ${path} is missing (VAULT_CERT_DIR must hold ca.pem, fullchain.pem, privkey.pem)`);
            }
        }
        if (!(await swarm.swarmActive()))
            throw new Error('Docker is not a swarm manager (run `docker swarm init`)');
        if (!(await swarm.networkExists()))
            throw new Error(`overlay network ${constants_1.VAULT_NETWORK} does not exist (docker network create -d overlay --attachable ${constants_1.VAULT_NETWORK})`);
        await custody.assertWritable(input.stack);
        // A finding, not a failure: running without autolock is the operator's choice, made knowingly (README).
        const autolock = (await swarm.swarmAutolocked())
            ? ''
            : "; finding SwarmAutolockOff: the swarm is not autolocked, so the key that decrypts each manager's Raft " +
                "log (where the unseal-key secret lives) sits on that manager's own disk (docker swarm update --autolock)";
        return {
            changed: false,
            summary: `stack files, TLS files, swarm, ${constants_1.VAULT_NETWORK} and custody are usable${autolock}`,
        };
    }
    /** Step 2: deploys the stack when its service does not exist, then waits for 3 running tasks. */
    async function deployStack(input) {
        const name = (0, constants_1.serviceName)(input.stack);
        let svc = await swarm.inspectService(name);
        let changed = false;
        if (!svc) {
            const secret = await (0, secrets_1.currentUnsealSecret)(deps, input.stack);
            if (!secret)
                throw new Error(`no unseal-key secret exists yet for ${input.stack}; ensurePlaceholderSecret must run first`);
            const env = {
                ...config.stack.deployEnv,
                VAULT_UNSEAL_KEY_SECRET: secret.name,
                VAULT_BOOTSTRAP_STACK_NAME: input.stack,
            };
            if (config.stack.stackDirRoot) {
                const dir = (0, node_path_1.join)(config.stack.stackDirRoot, input.stack);
                for (const slot of constants_1.ALL_SLOTS) {
                    await (0, promises_1.mkdir)((0, node_path_1.join)(dir, (0, constants_1.nodeName)(slot), 'data'), { recursive: true });
                    await (0, promises_1.mkdir)((0, node_path_1.join)(dir, (0, constants_1.nodeName)(slot), 'logs'), { recursive: true });
                }
                env.TESTBED_STACK_DIR = dir;
            }
            await deps.failpoints.hit('deployStack:before-deploy');
            await swarm.deployStack(input.stack, config.stack.files, env);
            await deps.failpoints.hit('deployStack:after-deploy');
            changed = true;
            svc = await swarm.inspectService(name);
            if (!svc)
                throw new Error(`docker stack deploy ${input.stack} returned but service ${name} does not exist`);
        }
        if (svc.replicas !== constants_1.VAULT_REPLICAS) {
            throw new errors_1.NonRetryableError(errors_1.ErrorType.UnexpectedServiceShape, `service ${name} runs ${String(svc.replicas)} replicas, the bootstrap needs ${constants_1.VAULT_REPLICAS}; fix the stack and redeploy it`);
        }
        const running = await (0, deps_1.waitFor)(deps, `${constants_1.VAULT_REPLICAS} running tasks of ${name}`, 300_000, async () => {
            const tasks = await swarm.currentTasks(name);
            const up = await (0, deps_1.servingTasks)(deps, input.stack, tasks);
            if (up.length === constants_1.VAULT_REPLICAS)
                return up.length;
            const problems = [...tasks.values()]
                .filter((t) => t.error)
                .map((t) => `slot ${t.slot}: ${t.state}: ${t.error}`);
            throw new Error(`${up.length}/${constants_1.VAULT_REPLICAS} running${problems.length ? `; ${problems.join('; ')}` : ''}`);
        });
        return {
            changed,
            summary: `${changed ? 'deployed' : 'already deployed'} ${name}; ${running} tasks running`,
        };
    }
    return { preflight, deployStack };
}
//# sourceMappingURL=stack.js.map