/**
 * The node agent's Docker proxy policy (src/docker/proxy-policy.ts): exactly the calls the agent's gateway
 * makes are allowed, each in the form dockerode sends it; every neighbour of them (another method, signal,
 * query parameter, events filter, a version prefix, a path trick) is refused with a reason.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEventsFilter, decide, isVaultTask } from '../../src/docker/proxy-policy';

const FILTER = JSON.stringify({
  type: ['container'],
  event: ['start'],
  label: ['com.docker.swarm.service.name=iklimco_vault'],
});
const q = (o: Record<string, string>) => new URLSearchParams(o).toString();

describe('docker proxy policy: what the agent sends is allowed', () => {
  it('ping, info, inspect and SIGHUP of a container, as dockerode writes them', () => {
    assert.deepEqual(decide('GET', '/_ping'), { kind: 'ping' });
    assert.deepEqual(decide('GET', '/info'), { kind: 'info' });
    // dockerode ends an inspect's path with "?" and nothing after it.
    assert.deepEqual(decide('GET', '/containers/3f2a9c/json?'), { kind: 'inspect', container: '3f2a9c' });
    assert.deepEqual(decide('GET', '/containers/iklimco_vault.1.abc/json'), {
      kind: 'inspect',
      container: 'iklimco_vault.1.abc',
    });
    assert.deepEqual(decide('POST', '/containers/3f2a9c/kill?signal=SIGHUP'), {
      kind: 'kill',
      container: '3f2a9c',
    });
  });

  it('the start events of one stack’s Vault service, with or without since; the query is rebuilt', () => {
    const d = decide('GET', `/events?${q({ since: '1733500000.123', filters: FILTER })}`);
    assert.equal(d.kind, 'events');
    const params = new URLSearchParams(d.kind === 'events' ? d.query : '');
    assert.equal(params.get('since'), '1733500000.123');
    assert.deepEqual(JSON.parse(params.get('filters')!), JSON.parse(FILTER));
    assert.equal(decide('GET', `/events?${q({ filters: FILTER })}`).kind, 'events');
    // Keys in another order are the same filter.
    const reordered = JSON.stringify({
      label: ['com.docker.swarm.service.name=a-b.c_vault'],
      event: ['start'],
      type: ['container'],
    });
    assert.equal(decide('GET', `/events?${q({ filters: reordered })}`).kind, 'events');
  });
});

describe('docker proxy policy: the reconcile’s list of one Vault service’s running containers', () => {
  const LIST = { label: ['com.docker.swarm.service.name=iklimco_vault'], status: ['running'] };

  it('allowed as dockerode writes it, keys in any order; the query is rebuilt', () => {
    const d = decide('GET', `/containers/json?${q({ filters: JSON.stringify(LIST) })}`);
    assert.equal(d.kind, 'list');
    const params = new URLSearchParams(d.kind === 'list' ? d.query : '');
    assert.deepEqual(JSON.parse(params.get('filters')!), LIST);
    const reordered = JSON.stringify({ status: ['running'], label: LIST.label });
    assert.equal(decide('GET', `/containers/json?${q({ filters: reordered })}`).kind, 'list');
  });

  it('any other list is refused: all containers, another label, stopped ones, another filter, another method', () => {
    const refusedList = (filters: unknown, reason: RegExp, method = 'GET') => {
      const d = decide(method, `/containers/json?${q({ filters: JSON.stringify(filters) })}`);
      assert.equal(d.kind, 'refuse', JSON.stringify(filters));
      assert.match(d.kind === 'refuse' ? d.reason : '', reason);
    };
    refusedList({ status: ['running'] }, /filters on status/);
    refusedList({ ...LIST, label: ['com.docker.swarm.service.name=iklimco_db'] }, /label is not/);
    refusedList({ ...LIST, label: ['app=x'] }, /label is not/);
    refusedList({ ...LIST, status: ['exited'] }, /status is not \["running"\]/);
    refusedList({ ...LIST, status: ['running', 'exited'] }, /status is not/);
    refusedList({ ...LIST, name: ['x'] }, /filters on label,name,status/);
    refusedList(LIST, /only GET \/containers\/json/, 'POST');
    const d = decide('GET', `/containers/json?${q({ filters: JSON.stringify(LIST), size: '1' })}`);
    assert.match(d.kind === 'refuse' ? d.reason : '', /query parameter "size"/);
  });
});

describe('docker proxy policy: everything else is refused, with the reason', () => {
  const refused = (method: string, url: string, reason: RegExp) => {
    const d = decide(method, url);
    assert.equal(d.kind, 'refuse', `${method} ${url} was allowed`);
    assert.match(d.kind === 'refuse' ? d.reason : '', reason, `${method} ${url}`);
  };

  it('calls the agent never makes: create, exec, list, remove, services, secrets, swarm, images, volumes', () => {
    refused('POST', '/containers/create', /not a call the node agent makes/);
    refused('POST', '/containers/create?name=x', /not a call the node agent makes/);
    refused('POST', '/containers/3f2a9c/exec', /not a call the node agent makes/);
    refused('POST', '/exec/abc/start', /not a call the node agent makes/);
    refused('POST', '/containers/3f2a9c/attach?stream=1', /not a call the node agent makes/);
    refused('GET', '/containers/json', /the container list filter must be .*: no filter/);
    refused('GET', '/containers/json?all=1', /query parameter "all" is not one the node agent sends/);
    refused('DELETE', '/containers/3f2a9c', /not a call the node agent makes/);
    refused('POST', '/containers/3f2a9c/stop', /not a call the node agent makes/);
    refused('GET', '/containers/3f2a9c/logs', /not a call the node agent makes/);
    refused('GET', '/containers/3f2a9c/archive?path=/vault/certs', /not a call the node agent makes/);
    refused('GET', '/services', /not a call the node agent makes/);
    refused('GET', '/secrets', /not a call the node agent makes/);
    refused('GET', '/swarm', /not a call the node agent makes/);
    refused('POST', '/images/create?fromImage=x', /not a call the node agent makes/);
    refused('POST', '/volumes/create', /not a call the node agent makes/);
    refused('GET', '/version', /not a call the node agent makes/);
  });

  it('a kill with any signal but SIGHUP, none (the Engine’s default is SIGKILL), or twice', () => {
    refused('POST', '/containers/3f2a9c/kill', /only signal SIGHUP, not the default SIGKILL/);
    refused('POST', '/containers/3f2a9c/kill?signal=SIGKILL', /only signal SIGHUP, not SIGKILL/);
    refused('POST', '/containers/3f2a9c/kill?signal=9', /only signal SIGHUP, not 9/);
    refused('POST', '/containers/3f2a9c/kill?signal=HUP', /only signal SIGHUP, not HUP/);
    refused('POST', '/containers/3f2a9c/kill?signal=SIGHUP&signal=SIGKILL', /given twice/);
    refused('POST', '/containers/3f2a9c/kill?signal=SIGHUP&x=1', /"x" is not one the node agent sends/);
    refused('GET', '/containers/3f2a9c/kill?signal=SIGHUP', /only POST to kill/);
  });

  it('other methods and parameters on the allowed paths', () => {
    refused('POST', '/_ping', /only GET \/_ping/);
    refused('HEAD', '/info', /only GET \/info/);
    refused('POST', '/containers/3f2a9c/json', /only GET/);
    refused('GET', '/containers/3f2a9c/json?size=1', /"size" is not one/);
    refused('GET', '/info?x=1', /"x" is not one/);
  });

  it('a version prefix, encoded or dotted paths, and container references that are no id or name', () => {
    refused('GET', '/v1.41/_ping', /not a call/);
    refused('POST', '/v1.41/containers/3f2a9c/kill?signal=SIGHUP', /not a call/);
    refused('POST', '/containers/..%2Fcreate/kill?signal=SIGHUP', /not a call/);
    refused('POST', '/containers/../containers/create', /not a call/);
    refused('GET', '/containers/%2e%2e/json', /not a call/);
    refused('GET', '/containers/.x/json', /not a call/);
    refused('GET', '//containers/3f2a9c/json', /not a call/);
    refused('GET', '/containers/3f2a9c/json/', /not a call/);
    refused('GET', '', /not a call/);
    refused('GET', 'http://docker/_ping', /not a call/);
  });

  it('events: no filter, another type, event or service, more than one, or other parameters', () => {
    refused('GET', '/events', /no filter/);
    refused('GET', `/events?${q({ filters: '{' })}`, /not JSON/);
    refused('GET', `/events?${q({ filters: '[]' })}`, /not an object/);
    const f = (o: unknown) => `/events?${q({ filters: JSON.stringify(o) })}`;
    const label = ['com.docker.swarm.service.name=iklimco_vault'];
    refused('GET', f({ type: ['container'], event: ['start'] }), /filters on event,type/);
    refused('GET', f({ type: ['container'], event: ['exec_create'], label }), /event is not \["start"\]/);
    refused('GET', f({ type: ['container'], event: ['start', 'die'], label }), /event is not/);
    refused('GET', f({ type: ['service'], event: ['start'], label }), /type is not/);
    refused(
      'GET',
      f({ type: ['container'], event: ['start'], label: ['com.docker.swarm.service.name=db'] }),
      /label/,
    );
    refused('GET', f({ type: ['container'], event: ['start'], label: ['a=b', label[0]] }), /label/);
    refused('GET', f({ type: ['container'], event: ['start'], label, container: ['x'] }), /filters on/);
    refused('GET', f({ type: { container: true }, event: ['start'], label }), /type is not/);
    refused('GET', `/events?${q({ filters: FILTER, until: '1' })}`, /"until" is not one/);
    refused('GET', `/events?${q({ filters: FILTER, since: 'yesterday' })}`, /since must be seconds/);
    refused('POST', `/events?${q({ filters: FILTER })}`, /only GET \/events/);
    assert.match(
      JSON.stringify(checkEventsFilter(undefined)),
      /start events of one <stack>_vault .*: no filter/,
    );
  });
});

describe('docker proxy policy: a Vault task by its labels', () => {
  const task = {
    'com.docker.stack.namespace': 'iklimco',
    'com.docker.swarm.service.name': 'iklimco_vault',
    'com.docker.swarm.task.id': 'ar8vnk2u2i11thepm77blokup',
  };
  it('a task of <stack>_vault is; another service, a plain container, or a mismatched stack is not', () => {
    assert.equal(isVaultTask(task), true);
    assert.equal(isVaultTask({ ...task, 'com.docker.swarm.service.name': 'iklimco_db' }), false);
    assert.equal(isVaultTask({ ...task, 'com.docker.stack.namespace': 'other' }), false);
    assert.equal(isVaultTask({ ...task, 'com.docker.swarm.task.id': '' }), false);
    assert.equal(isVaultTask({ 'com.docker.swarm.service.name': 'iklimco_vault' }), false);
    assert.equal(isVaultTask({}), false);
    assert.equal(isVaultTask(null), false);
  });
});
