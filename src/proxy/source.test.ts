/** The proxy built from stubs of ProxySource, ProxyTarget and ProxyEndpoint (src/proxy/source.ts),
 * no App, no Kea: what it asks of a target and its endpoints, and what it answers. Against real
 * daemons' behaviour (queues, timeouts, agents) see routes.test.ts and forward.test.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { parseConfigText } from '../config/load.js';
import { PROXY_REQUESTS, proxyDeps, proxyRoutes } from './routes.js';
import type { ExchangeOutcome, ProxyEndpoint, ProxyTarget } from './source.js';
import { stubSource } from '../../test/support/stub-source.js';

const CONFIG = parseConfigText(
  `proxy:
  enabled: true
  users:
    - { name: ops, password: ops-pw, role: admin }
    - { name: site, password: site-pw, role: site-a }
  roles:
    site-a: { commands: [status-get], targets: ["site-a-*"] }
targets:
  - { name: site-a-1, socket: /run/a1.sock }
`,
  'p.yaml',
);
const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const OPS = basic('ops', 'ops-pw');

/** A daemon that answers `text` to every command over a UNIX socket, in pieces; records what it got. */
function endpoint(label: string, text: string) {
  const sent: { command: string; args: Record<string, unknown> | undefined }[] = [];
  const e: ProxyEndpoint = {
    label,
    transport: { kind: 'unix' },
    async forward(command, _timeoutMs, args, consume, opts): Promise<ExchangeOutcome> {
      opts?.admit?.();
      sent.push({ command, args });
      const pieces = [Buffer.from(text.slice(0, 5)), Buffer.from(text.slice(5))];
      return consume({ next: async () => pieces.shift(), close: () => {} }, new AbortController().signal);
    },
    answerOf: (t) => ({ answer: JSON.parse(t) as { result: number }, text: t.trim() }),
  };
  return { e, sent };
}

function target(name: string, endpoints: Record<string, ProxyEndpoint>): ProxyTarget {
  return {
    name,
    config: { kind: 'agent' },
    snapshots: () =>
      Object.keys(endpoints).map((d) => ({
        daemon: d === 'self' ? 'ca' : (d as 'dhcp4'),
        up: d !== 'dhcp6',
        ...(d === 'dhcp6' && { error: { code: 'connect' as const, message: 'x' } }),
      })),
    endpointFor: (service) => endpoints[service ?? 'self'],
  };
}

async function proxy(targets: ProxyTarget[]) {
  const source = stubSource({ config: CONFIG, targets });
  const server = Fastify({ logger: false });
  await server.register(proxyRoutes, proxyDeps(source));
  await server.ready();
  return { source, server };
}

test('a command goes to the endpoint the target names for each service; its answer comes back as the list', async () => {
  const d4 = endpoint('site-a-1 (dhcp4)', '{ "result": 0, "arguments": { "pid": 4 } }');
  const ca = endpoint('site-a-1', '{ "result": 0, "text": "agent" }');
  const { source, server } = await proxy([target('site-a-1', { self: ca.e, dhcp4: d4.e })]);
  const r = await server.inject({
    method: 'POST',
    url: '/targets/site-a-1/',
    headers: OPS,
    payload: '{ "command": "status-get", "service": [ "dhcp4", "d2" ], "arguments": { "x": 1 } }',
  });
  assert.equal(r.statusCode, 200);
  assert.equal(r.body, '[ { "result": 0, "arguments": { "pid": 4 } }, { "result": 1, "text": "forwarding socket is not configured for the server type d2" } ]');
  assert.deepEqual(d4.sent, [{ command: 'status-get', args: { x: 1 } }]);
  assert.deepEqual(ca.sent, []);
  assert.equal(source.renderer.value(PROXY_REQUESTS, { target: 'site-a-1', command: 'status-get', code: '200' }), 1);
  const audit = source.log.lines.find((l) => l.msg === 'proxy request')!.obj as { audit: { user: string; results: number[] } };
  assert.deepEqual([audit.audit.user, audit.audit.results], ['ops', [0, 1]]);
});

test('the targets are read at each request: one added later is served, one gone is 404', async () => {
  const targets: ProxyTarget[] = [];
  const { source, server } = await proxy(targets);
  const post = () => server.inject({ method: 'POST', url: '/targets/site-a-2/', headers: OPS, payload: '{ "command": "version-get" }' });
  assert.equal((await post()).statusCode, 404);
  targets.push(target('site-a-2', { self: endpoint('site-a-2', '{ "result": 0, "text": "3.0.1" }').e }));
  assert.equal((await post()).body, '[ { "result": 0, "text": "3.0.1" } ]');
  assert.equal(source.renderer.value(PROXY_REQUESTS, { target: 'none', command: 'none', code: '404' }), 1);
});

test("GET /targets: the targets the role may see, with their daemons' state from the snapshots", async () => {
  const none = {};
  const { server } = await proxy([target('site-a-1', { self: endpoint('x', '{}').e, dhcp6: endpoint('y', '{}').e }), target('site-b-1', none)]);
  const all = await server.inject({ url: '/targets', headers: OPS });
  assert.deepEqual(all.json(), [
    {
      name: 'site-a-1',
      daemons: [
        { daemon: 'ca', up: true },
        { daemon: 'dhcp6', up: false, error: 'connect' },
      ],
    },
    { name: 'site-b-1', daemons: [] },
  ]);
  const limited = await server.inject({ url: '/targets', headers: basic('site', 'site-pw') });
  assert.deepEqual(
    limited.json<{ name: string }[]>().map((t) => t.name),
    ['site-a-1'],
  );
});
