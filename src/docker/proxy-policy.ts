/**
 * What the node agent may ask of its node's Docker Engine, as the Docker proxy (`src/docker/proxy.ts`,
 * `src/docker-proxy.ts`) enforces it. The agent runs the node-local activities (src/activities/node-local.ts)
 * through `DockerGateway` (src/docker/gateway.ts), and that is every Engine call it makes:
 *
 * | call                                         | what for                                                  |
 * | -------------------------------------------- | --------------------------------------------------------- |
 * | `GET /_ping`                                 | the start-up check (`ping`)                               |
 * | `GET /info`                                  | its node's swarm id (`localNodeId`): its task queue       |
 * | `GET /containers/{id}/json`                  | the container to SIGHUP is a task of the Vault service    |
 * | `POST /containers/{id}/kill?signal=SIGHUP`   | Vault re-reads its TLS files (`signalServiceContainer`)   |
 * | `GET /events` of container `start` events of one `<stack>_vault` service | `waitForVaultTaskStart` |
 * | `GET /containers/json` of one `<stack>_vault` service's running containers | its reconcile on (re)connect |
 *
 * Nothing else is allowed: no other method, path, signal or events filter, no query parameter the agent does
 * not send, no API version prefix, no connection upgrade (attach, exec). The two container calls are further
 * limited, by the proxy, to containers whose labels make them a Swarm task of a stack's `vault` service
 * (`isVaultTask`): the proxy looks before it forwards; the list's answer holds only such containers, each cut
 * down to its id. A new Engine call in the agent is a new rule here.
 *
 * Pure: a request line in, a decision out; the proxy does the I/O.
 */

/** A container id or name as the Engine accepts it in a path: no `/`, no `%`, no `..` tricks. */
const CONTAINER_REF_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The Vault service of a stack, as the Engine's events label filter names it (`serviceName` in shared/constants). */
const VAULT_SERVICE_LABEL_RE = /^com\.docker\.swarm\.service\.name=([A-Za-z0-9][A-Za-z0-9_.-]*)_vault$/;

/** The only signal the agent sends (node-local.ts refuses any other before it gets here). */
export const ALLOWED_SIGNAL = 'SIGHUP';

/** A request the proxy forwards (after its own checks), or refuses with `reason`. */
export type ProxyDecision =
  | { kind: 'ping' }
  | { kind: 'info' }
  | { kind: 'inspect'; container: string }
  | { kind: 'kill'; container: string }
  /** `query`: the events query rebuilt from the checked values, never the caller's own text. */
  | { kind: 'events'; query: string }
  /** `query`: the container list's query, rebuilt likewise. */
  | { kind: 'list'; query: string }
  | { kind: 'refuse'; reason: string };

function refuse(reason: string): ProxyDecision {
  return { kind: 'refuse', reason };
}

/** The query's parameters, or a reason: each name at most once, only the names in `allowed`. */
function params(search: string, allowed: readonly string[]): Map<string, string> | string {
  const out = new Map<string, string>();
  if (search === '' || search === '?') return out;
  for (const [k, v] of new URLSearchParams(search)) {
    if (!allowed.includes(k)) return `query parameter "${k}" is not one the node agent sends`;
    if (out.has(k)) return `query parameter "${k}" is given twice`;
    out.set(k, v);
  }
  return out;
}

/** A filters parameter parsed as a JSON object, or what is wrong with it. */
function jsonObject(raw: string | undefined): Record<string, unknown> | string {
  if (raw === undefined) return 'no filter';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not an object';
  return parsed as Record<string, unknown>;
}

/** The one string of a one-element filter value, else undefined. */
function one(v: unknown): string | undefined {
  return Array.isArray(v) && v.length === 1 && typeof v[0] === 'string' ? v[0] : undefined;
}

/**
 * The events filter the agent sends: exactly `{"type":["container"],"event":["start"],"label":
 * ["com.docker.swarm.service.name=<stack>_vault"]}` (keys in any order). Returns it rebuilt, or a reason.
 */
export function checkEventsFilter(raw: string | undefined): string | { refused: string } {
  const refused = (why: string) => ({
    refused: `the events filter must be the start events of one <stack>_vault service's containers: ${why}`,
  });
  const f = jsonObject(raw);
  if (typeof f === 'string') return refused(f);
  const keys = Object.keys(f).sort().join(',');
  if (keys !== 'event,label,type') return refused(`filters on ${keys || 'nothing'}`);
  if (one(f.type) !== 'container') return refused('type is not ["container"]');
  if (one(f.event) !== 'start') return refused('event is not ["start"]');
  const label = one(f.label);
  if (label === undefined || !VAULT_SERVICE_LABEL_RE.test(label))
    return refused('label is not ["com.docker.swarm.service.name=<stack>_vault"]');
  return JSON.stringify({ type: ['container'], event: ['start'], label: [label] });
}

/**
 * The container list filter the agent sends: exactly `{"label":["com.docker.swarm.service.name=<stack>_vault"],
 * "status":["running"]}` (keys in any order). Returns it rebuilt, or a reason.
 */
export function checkListFilter(raw: string | undefined): string | { refused: string } {
  const refused = (why: string) => ({
    refused: `the container list filter must be the running containers of one <stack>_vault service: ${why}`,
  });
  const f = jsonObject(raw);
  if (typeof f === 'string') return refused(f);
  const keys = Object.keys(f).sort().join(',');
  if (keys !== 'label,status') return refused(`filters on ${keys || 'nothing'}`);
  if (one(f.status) !== 'running') return refused('status is not ["running"]');
  const label = one(f.label);
  if (label === undefined || !VAULT_SERVICE_LABEL_RE.test(label))
    return refused('label is not ["com.docker.swarm.service.name=<stack>_vault"]');
  return JSON.stringify({ label: [label], status: ['running'] });
}

/** Whether `since` is what the gateway sends: seconds since the epoch, with a fraction or without. */
const SINCE_RE = /^[0-9]{1,12}(\.[0-9]{1,9})?$/;

/** The decision for one request line: `method` and the raw request target (`req.url`). */
export function decide(method: string | undefined, url: string | undefined): ProxyDecision {
  const target = url ?? '';
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const search = q === -1 ? '' : target.slice(q);
  const what = `${method ?? '?'} ${path}`;
  if (path === '/_ping') {
    if (method !== 'GET') return refuse(`${what}: only GET /_ping`);
    const p = params(search, []);
    return typeof p === 'string' ? refuse(`${what}: ${p}`) : { kind: 'ping' };
  }
  if (path === '/info') {
    if (method !== 'GET') return refuse(`${what}: only GET /info`);
    const p = params(search, []);
    return typeof p === 'string' ? refuse(`${what}: ${p}`) : { kind: 'info' };
  }
  if (path === '/events') {
    if (method !== 'GET') return refuse(`${what}: only GET /events`);
    const p = params(search, ['since', 'filters']);
    if (typeof p === 'string') return refuse(`${what}: ${p}`);
    const since = p.get('since');
    if (since !== undefined && !SINCE_RE.test(since))
      return refuse(`${what}: since must be seconds since the epoch`);
    const filters = checkEventsFilter(p.get('filters'));
    if (typeof filters !== 'string') return refuse(`${what}: ${filters.refused}`);
    const query = new URLSearchParams();
    if (since !== undefined) query.set('since', since);
    query.set('filters', filters);
    return { kind: 'events', query: query.toString() };
  }
  if (path === '/containers/json') {
    if (method !== 'GET') return refuse(`${what}: only GET /containers/json`);
    const p = params(search, ['filters']);
    if (typeof p === 'string') return refuse(`${what}: ${p}`);
    const filters = checkListFilter(p.get('filters'));
    if (typeof filters !== 'string') return refuse(`${what}: ${filters.refused}`);
    return { kind: 'list', query: new URLSearchParams({ filters }).toString() };
  }
  const m = /^\/containers\/([^/]+)\/(json|kill)$/.exec(path);
  if (m && CONTAINER_REF_RE.test(m[1]!)) {
    const container = m[1]!;
    if (m[2] === 'json') {
      if (method !== 'GET') return refuse(`${what}: only GET on a container's json`);
      const p = params(search, []);
      return typeof p === 'string' ? refuse(`${what}: ${p}`) : { kind: 'inspect', container };
    }
    if (method !== 'POST') return refuse(`${what}: only POST to kill`);
    const p = params(search, ['signal']);
    if (typeof p === 'string') return refuse(`${what}: ${p}`);
    const signal = p.get('signal');
    if (signal !== ALLOWED_SIGNAL)
      return refuse(`${what}: only signal ${ALLOWED_SIGNAL}, not ${signal ?? 'the default SIGKILL'}`);
    return { kind: 'kill', container };
  }
  return refuse(`${what} is not a call the node agent makes`);
}

/** The labels Swarm puts on a task's container. */
export const TASK_LABELS = {
  service: 'com.docker.swarm.service.name',
  task: 'com.docker.swarm.task.id',
  stack: 'com.docker.stack.namespace',
} as const;

/**
 * Whether a container's labels make it a Swarm task of a stack's `vault` service: a task id, a stack, and the
 * service `<stack>_vault`. Labels are what the Engine reports; creating a container with made-up labels takes
 * an Engine call no agent is allowed.
 */
export function isVaultTask(labels: Record<string, string> | undefined | null): boolean {
  const service = labels?.[TASK_LABELS.service];
  const stack = labels?.[TASK_LABELS.stack];
  return (
    typeof service === 'string' &&
    typeof stack === 'string' &&
    stack !== '' &&
    typeof labels?.[TASK_LABELS.task] === 'string' &&
    labels[TASK_LABELS.task] !== '' &&
    service === `${stack}_vault`
  );
}
