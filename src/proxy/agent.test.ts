/** The proxy playing a Control Agent (proxy.agents) over stub targets and endpoints: how `service`
 * is routed, the agent's own answers, its texts, roles over the daemons' targets, the audit, the
 * configuration read at each request. Against real Kea 3.0 and a real agent:
 * test/integration/agent-lab.test.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { parseConfigText } from '../config/load.js';
import type { Config } from '../config/types.js';
import { ERROR_CODES, KeaError } from '../errors.js';
import { AGENT_HINT, offlineReason } from './agent.js';
import { PROXY_REQUESTS, proxyDeps, proxyRoutes } from './routes.js';
import type { ExchangeOutcome, ProxyEndpoint, ProxyTarget } from './source.js';
import { stubSource } from '../../test/support/stub-source.js';

const YAML = `proxy:
  enabled: true
  users:
    - { name: ops, password: ops-pw, role: admin }
    - { name: host, password: host-pw, role: host-only }
    - { name: both, password: both-pw, role: host-and-d4 }
  roles:
    host-only: { commands: [status-get], targets: [host1] }
    host-and-d4: { commands: [status-get], targets: [host1, d4] }
  agents:
    - { name: host1, services: { dhcp4: d4, dhcp6: d6, d2: elsewhere } }
targets:
  - { name: d4, socket: /run/kea/d4.sock, daemon: dhcp4 }
  - { name: d6, url: "https://h:8006/", daemon: dhcp6 }
  - { name: elsewhere, socket: /run/kea/d2.sock, daemon: d2 }
`;
const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const OPS = basic('ops', 'ops-pw');

/** A daemon answering `text` (or failing with `fail`); records the commands it got. */
function endpoint(label: string, text: string, fail?: Error) {
  const sent: string[] = [];
  const e: ProxyEndpoint = {
    label,
    transport: { kind: 'unix' },
    async forward(command, _timeoutMs, _args, consume, opts): Promise<ExchangeOutcome> {
      opts?.admit?.();
      sent.push(command);
      if (fail !== undefined) throw fail;
      const pieces = [Buffer.from(text)];
      return consume({ next: async () => pieces.shift(), close: () => {} }, new AbortController().signal);
    },
    answerOf: (t) => ({ answer: JSON.parse(t) as { result: number }, text: t.trim() }),
  };
  return { e, sent };
}

/** A socket or Kea 3 target of one daemon (it answers for its own daemon only). */
function target(name: string, daemon: 'dhcp4' | 'dhcp6' | 'd2', e: ProxyEndpoint): ProxyTarget {
  return {
    name,
    config: { kind: 'socket' },
    snapshots: () => [{ daemon, up: true }],
    endpointFor: (service) => (service === undefined || service === daemon ? e : undefined),
  };
}

async function proxy(targets: ProxyTarget[], config: Config = parseConfigText(YAML, 'p.yaml')) {
  const source = stubSource({ config, targets, version: '9.9.9' });
  const server = Fastify({ logger: false });
  await server.register(proxyRoutes, proxyDeps(source));
  await server.ready();
  const post = (payload: string, headers = OPS) => server.inject({ method: 'POST', url: '/targets/host1/', headers, payload });
  return { source, server, post };
}

test('service goes to each daemon in request order, once per daemon; a service without a daemon here gets the agent text', async () => {
  const d4 = endpoint('d4', '{ "result": 0, "text": "four" }');
  const d6 = endpoint('d6', '{ "result": 0, "text": "six" }');
  // 'elsewhere' is another shard's: this one has no socket for d2.
  const { source, post } = await proxy([target('d4', 'dhcp4', d4.e), target('d6', 'dhcp6', d6.e)]);
  const r = await post('{ "command": "version-get", "service": [ "dhcp6", "dhcp4", "d2", "ca", "dhcp6" ] }');
  assert.equal(r.statusCode, 200);
  assert.deepEqual(r.json(), [
    { result: 0, text: 'six' },
    { result: 0, text: 'four' },
    { result: 1, text: 'forwarding socket is not configured for the server type d2' },
    { result: 1, text: 'forwarding socket is not configured for the server type ca' },
    { result: 0, text: 'six' },
  ]);
  assert.deepEqual([d4.sent, d6.sent], [['version-get'], ['version-get']]);
  assert.equal(source.renderer.value(PROXY_REQUESTS, { target: 'host1', command: 'version-get', code: '200' }), 1);
  const audit = source.log.lines.find((l) => l.msg === 'proxy request')!.obj as { audit: { target: string; results: number[] } };
  assert.deepEqual([audit.audit.target, audit.audit.results], ['host1', [0, 0, 1, 1, 0]]);
});

test('without service (or an empty list) the agent answers for itself and nothing reaches a daemon', async () => {
  const d4 = endpoint('d4', '{ "result": 0 }');
  const { post } = await proxy([target('d4', 'dhcp4', d4.e)]);
  const status = (await post('{ "command": "status-get", "service": [] }')).json<{ result: number; arguments: Record<string, number> }[]>();
  assert.equal(status.length, 1);
  assert.deepEqual(Object.keys(status[0]!.arguments), ['pid', 'reload', 'uptime']);
  assert.equal(status[0]!.arguments.pid, process.pid);
  assert.deepEqual((await post('{ "command": "list-commands" }')).json(), [{ result: 0, arguments: ['list-commands', 'status-get', 'version-get'] }]);
  assert.equal((await post('{ "command": "version-get" }')).json<{ text: string }[]>()[0]!.text, '9.9.9');
  for (const name of ['statistic-get-all', 'config-get', 'shutdown', 'Not A Name']) {
    const r = await post(JSON.stringify({ command: name }));
    assert.deepEqual(r.json(), [{ result: 2, text: `'${name}' command not supported.${AGENT_HINT}` }], name);
  }
  assert.deepEqual(d4.sent, []);
});

test("a daemon that cannot be reached: the agent's words for the socket error, never a path; other failures by their code", async () => {
  const enoent = new KeaError('connect', '/run/kea/d4.sock: ENOENT', { cause: Object.assign(new Error('x'), { code: 'ENOENT' }) });
  // undici's way: the errno on the cause of the cause.
  const refused = new KeaError('connect', 'https://h:8006/: ECONNREFUSED', { cause: { cause: { code: 'ECONNREFUSED' } } });
  const d4 = endpoint('d4', '', enoent);
  const d6 = endpoint('d6', '', refused);
  const d2 = endpoint('elsewhere', '', new KeaError('parse', 'garbage'));
  const { post } = await proxy([target('d4', 'dhcp4', d4.e), target('d6', 'dhcp6', d6.e), target('elsewhere', 'd2', d2.e)]);
  const r = await post('{ "command": "status-get", "service": [ "dhcp4", "dhcp6", "d2" ] }');
  assert.deepEqual(r.json(), [
    { result: 1, text: 'unable to forward command to the dhcp4 service: No such file or directory. The server is likely to be offline' },
    { result: 1, text: 'unable to forward command to the dhcp6 service: Connection refused. The server is likely to be offline' },
    { result: 1, text: `unable to forward command to the d2 service: ${ERROR_CODES.parse}` },
  ]);
  assert.doesNotMatch(r.body, /\/run|https:|8006/);
  assert.equal(offlineReason(new KeaError('timeout', 'x', { cause: { code: 'ETIMEDOUT' } })), undefined);
  assert.equal(offlineReason(new KeaError('connect', 'x', { cause: { code: 'EWHATEVER' } })), undefined);
});

test("a role needs the agent's name and each daemon's target it reaches", async () => {
  const d4 = endpoint('d4', '{ "result": 0 }');
  const d6 = endpoint('d6', '{ "result": 0 }');
  const { post } = await proxy([target('d4', 'dhcp4', d4.e), target('d6', 'dhcp6', d6.e)]);
  const status = async (services: string, who: ReturnType<typeof basic>) => (await post(`{ "command": "status-get"${services} }`, who)).statusCode;
  const host = basic('host', 'host-pw');
  const both = basic('both', 'both-pw');
  assert.equal(await status('', host), 200, 'the agent itself');
  assert.equal(await status(', "service": [ "dhcp4" ]', host), 403);
  assert.equal(await status(', "service": [ "dhcp4" ]', both), 200);
  assert.equal(await status(', "service": [ "dhcp4", "dhcp6" ]', both), 403);
  // A service with no daemon here reaches no target: nothing to refuse.
  assert.equal(await status(', "service": [ "dhcp4", "dhcp9" ]', both), 200);
  assert.deepEqual([d4.sent.length, d6.sent.length], [2, 0]);
});

test('the agents are read from the running configuration at each request; GET /targets lists them with their daemons', async () => {
  const d4 = endpoint('d4', '{ "result": 0 }');
  const config = parseConfigText(YAML, 'p.yaml');
  const source = stubSource({ config, targets: [target('d4', 'dhcp4', d4.e)] });
  const server = Fastify({ logger: false });
  await server.register(proxyRoutes, proxyDeps(source));
  const listed = await server.inject({ url: '/targets', headers: OPS });
  assert.deepEqual(listed.json(), [
    { name: 'd4', daemons: [{ daemon: 'dhcp4', up: true }] },
    { name: 'host1', daemons: [{ daemon: 'dhcp4', up: true }] },
  ]);
  // A reload that drops the agent (App.config is the running configuration's object).
  (source as { config: Pick<Config, 'proxy' | 'poll' | 'shard'> }).config = parseConfigText(YAML.replace(/ {2}agents:\n.*\n/, ''), 'p.yaml');
  const r = await server.inject({ method: 'POST', url: '/targets/host1/', headers: OPS, payload: '{ "command": "status-get" }' });
  assert.equal(r.statusCode, 404);
});
