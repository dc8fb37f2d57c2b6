/** The proxy playing a Control Agent for a Kea 3 host (proxy.agents): ISC's kea-shell of 2.6 and
 * of 3.0, pointed at one proxy target grouping real 3.0 daemons' own sockets (dhcp4 over its Kea 3
 * HTTP socket, dhcp6 and d2 over UNIX; another dhcp4 over HTTPS with a client certificate) with no
 * kea-ctrl-agent running, prints the same answers,
 * modulo pids, times and hashes, as the same kea-shell through a real 3.0 kea-ctrl-agent in front
 * of the same daemons: the order of `service`, the agent's own answer without it, its texts for an
 * unknown service and for daemons that are down. Fails loudly when Kea cannot be started. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { App } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { keaInstall, type KeaVersion } from '../../src/lab/kea-install.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { runProgram, type RunResult } from '../../src/lab/processes.js';
import { AGENT_COMMANDS, AGENT_HINT } from '../../src/proxy/agent.js';
import { buildServer } from '../../src/server/server.js';
import { HttpTransport } from '../../src/transport/http.js';
import { MemoryLog } from '../support/memory-log.js';
import { pollAll } from '../support/poll.js';

const SHELLS = ['2.6', '3.0'] as const satisfies readonly KeaVersion[];
const PW = 'agent-lab-admin-pw';

let lab: Lab;
let app: App;
let server: ReturnType<typeof buildServer>;
let port: number;

/** One kea-shell of `version` (its own python connector), as an operator runs it. */
function keaShell(version: KeaVersion, where: { port: number; path: string }, args: string[], stdin = ''): Promise<RunResult> {
  const install = keaInstall(version);
  const cmd = install.command('kea-shell', [
    ...['--host', '127.0.0.1', '--port', String(where.port), '--path', where.path, '--timeout', '30'],
    ...['--auth-user', 'admin', '--auth-password', PW],
    ...args,
  ]);
  const env = { ...process.env, PYTHONPATH: install.env(lab.dir, lab.dir).PYTHONPATH ?? '' };
  return runProgram(cmd.file, cmd.args, { env, stdin });
}

/** `fn` over `items`, four at a time (kea-shell is a python start each: the machine is shared). */
async function inBatches<T, R>(items: readonly T[], fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 4) out.push(...(await Promise.all(items.slice(i, i + 4).map(fn))));
  return out;
}

const AGENT = () => ({ port: lab.ports.agent, path: '' });
const PROXY = () => ({ port, path: 'targets/host1/' });

/** What differs between two answers of the same daemon a moment apart, or of two processes:
 * pids, seconds counters, clocks, the HA partner's age, config hashes. */
const VOLATILE = new Set(['pid', 'uptime', 'reload', 'age', 'system-time', 'clock-skew', 'hash']);
function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (VOLATILE.has(k) ? [[k, typeof x]] : [[k, stable(x)]])));
}

/** kea-shell's output: it prints the body as the server wrote it. */
function printed(r: RunResult, what: string): unknown {
  assert.equal(r.code, 0, `${what}: kea-shell failed\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Agent-era invocations: kea-shell arguments and the arguments it reads from stdin. */
const CASES: { name: string; args: string[]; stdin?: string }[] = [
  { name: 'one service', args: ['--service', 'dhcp4', 'status-get'] },
  { name: 'three services, in request order', args: ['--service', 'd2', '--service', 'dhcp4', '--service', 'dhcp6', 'version-get'] },
  { name: 'a service named twice', args: ['--service', 'dhcp6', '--service', 'dhcp4', '--service', 'dhcp6', 'list-commands'] },
  { name: 'arguments from stdin', args: ['--service', 'dhcp4', 'statistic-get'], stdin: '"name": "pkt4-received"' },
  { name: 'a whole config', args: ['--service', 'dhcp6', 'config-get'] },
  { name: 'unknown service', args: ['--service', 'dhcp9', 'status-get'] },
  { name: "'ca' is no service", args: ['--service', 'dhcp4', '--service', 'ca', 'status-get'] },
  { name: 'command unknown to the daemon', args: ['--service', 'd2', 'no-such-command'] },
  { name: 'no service: the agent itself', args: ['status-get'] },
  { name: 'no service: a daemon command', args: ['statistic-get-all'] },
  { name: 'no service: an unknown command', args: ['no-such-command'] },
];

before(async () => {
  lab = await startLab({ version: '3.0', daemons: ['primary', 'standby', 'dhcp6', 'd2', 'ca', 'tls'] });
  for (const v of SHELLS) {
    const missing = await keaInstall(v).missing(['kea-shell'], []);
    if (missing.length) throw new Error(`kea-shell ${v} missing: ${missing.join(', ')}`);
  }
  const http = lab.httpUrls.primary!;
  const tls = lab.tls!;
  const yaml = `poll: { interval: 1h, timeout: 3s }
statistics: { enabled: false }
proxy:
  enabled: true
  rateLimit: { max: 100000, window: 1m }
  users: [ { name: admin, password: "${PW}", role: admin } ]
  agents:
    - { name: host1, services: { dhcp4: host1-dhcp4, dhcp6: host1-dhcp6, d2: host1-d2 } }
    - { name: host2, services: { dhcp4: host2-dhcp4, dhcp6: host1-dhcp6 } }
targets:
  - { name: host1-dhcp4, url: "${http}", daemon: dhcp4, auth: { username: ${lab.httpAuth.username}, password: ${lab.httpAuth.password} } }
  - { name: host1-dhcp6, socket: "${lab.sockets.dhcp6}", daemon: dhcp6 }
  - { name: host1-d2, socket: "${lab.sockets.d2}" }
  - { name: host2-dhcp4, url: "${tls.url}", daemon: dhcp4, tls: { ca: "${tls.ca}", cert: "${tls.clientCert}", key: "${tls.clientKey}" } }
`;
  app = new App(parseConfigText(yaml, 'agent-lab.yaml'), { log: new MemoryLog(), version: 'agent-lab', processMetrics: false });
  await app.start();
  await pollAll(app);
  server = buildServer(app);
  await server.listen({ host: '127.0.0.1', port: 0 });
  port = (server.server.address() as AddressInfo).port;
});

after(async () => {
  await server?.close();
  await app?.stop();
  await lab?.stop();
});

const agentDown = async (): Promise<boolean> =>
  fetch(lab.agentUrl, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) }).then(
    () => false,
    () => true,
  );

describe('the proxy as the Control Agent of a Kea 3 host', () => {
  test('kea-shell 2.6 and 3.0: the same answers as through a real 3.0 kea-ctrl-agent, with no agent running', async () => {
    const runs = SHELLS.flatMap((v) => CASES.map((c) => ({ v, c, key: `${v} ${c.name}` })));
    const agent = new Map(await inBatches(runs, async ({ v, c, key }) => [key, await keaShell(v, AGENT(), c.args, c.stdin)] as const));
    const answer = (k: string) => printed(agent.get(k)!, `agent, kea-shell ${k}`);
    // The agent's answers are answers: the daemons behind it answered, in order.
    assert.deepEqual(
      (answer('3.0 three services, in request order') as { result: number }[]).map((a) => a.result),
      [0, 0, 0],
    );
    const order = (answer('3.0 a service named twice') as { arguments: string[] }[]).map((a) => a.arguments.includes('lease4-get'));
    assert.deepEqual(order, [false, true, false], 'dhcp6, dhcp4, dhcp6');
    await lab.kill('ca');
    assert.ok(await agentDown(), 'the agent is gone');
    const proxy = await inBatches(runs, async ({ v, c, key }) => [key, await keaShell(v, PROXY(), c.args, c.stdin)] as const);
    const byShape = new Set<string>();
    for (const [key, r] of proxy) {
      const real = answer(key);
      assert.deepEqual(stable(printed(r, `proxy, kea-shell ${key}`)), stable(real), key);
      // Nothing volatile in it: the same bytes, Kea's spacing included.
      if (isDeepStrictEqual(stable(real), real)) assert.equal(r.stdout, agent.get(key)!.stdout, `${key}: bytes`);
      else byShape.add(key.slice(4));
    }
    // Only answers with pids, seconds or hashes are compared by shape alone.
    assert.deepEqual([...byShape].sort(), ["'ca' is no service", 'a whole config', 'no service: the agent itself', 'one service']);
    // The texts are the agent's own, word for word (not merely the same shape).
    const hint = answer('3.0 no service: an unknown command') as { text: string }[];
    assert.equal(hint[0]!.text, `'no-such-command' command not supported.${AGENT_HINT}`);
  });

  test('a Kea 3 HTTPS socket that requires a client certificate, behind an agent name: its answer, in order', async () => {
    const args = ['--service', 'dhcp6', '--service', 'dhcp4', 'status-get'];
    const got = printed(await keaShell('3.0', { port, path: 'targets/host2/' }, args), 'host2') as { result: number }[];
    const direct = [await lab.command('dhcp6', 'status-get'), await lab.command('tls', 'status-get')];
    assert.deepEqual(stable(got), stable(direct));
    assert.deepEqual(
      got.map((a) => a.result),
      [0, 0],
    );
  });

  test('Kea 3.0.4 refuses a resumed TLS session on a socket that requires client certificates: every connection is a full handshake', async () => {
    const tls = lab.tls!;
    const t = new HttpTransport({ url: tls.url, tls: { ca: tls.ca, cert: tls.clientCert, key: tls.clientKey, insecureSkipVerify: false } }, 2, 1 << 20);
    try {
      await t.request({ command: 'status-get' }, 5000); // its session ticket would be offered by the next connection
      // Two at once: the second runs on a connection of its own (as after keep-alive's 4 s idle).
      const both = await Promise.allSettled([1, 2].map(() => t.request({ command: 'version-get' }, 5000)));
      assert.deepEqual(
        both.map((r) => (r.status === 'fulfilled' ? 'answered' : (r.reason as Error).message)),
        ['answered', 'answered'],
      );
    } finally {
      await t.close();
    }
  });

  test('daemons that are down (UNIX and HTTP): the agent\'s "unable to forward" texts, the others still answer', async () => {
    assert.ok(await agentDown());
    await lab.kill('d2');
    await lab.kill('primary');
    const args = ['--service', 'dhcp4', '--service', 'd2', '--service', 'dhcp6', 'version-get'];
    const proxy = SHELLS.map(async (v) => printed(await keaShell(v, PROXY(), args), `proxy, kea-shell ${v}`));
    const proxied = await Promise.all(proxy);
    await lab.start('ca');
    for (const [i, v] of SHELLS.entries()) {
      const agent = printed(await keaShell(v, AGENT(), args), `agent, kea-shell ${v}`);
      assert.deepEqual(stable(proxied[i]), stable(agent), `kea-shell ${v}`);
    }
    const [d4, d2, d6] = proxied[1] as { result: number; text?: string }[];
    assert.deepEqual(d4, { result: 1, text: 'unable to forward command to the dhcp4 service: Connection refused. The server is likely to be offline' });
    assert.deepEqual(d2, { result: 1, text: 'unable to forward command to the d2 service: Connection refused. The server is likely to be offline' });
    assert.equal(d6!.result, 0);
  });

  test("no service: what it answers for itself where no agent's process exists (list-commands, version-get)", async () => {
    const list = printed(await keaShell('3.0', PROXY(), ['list-commands']), 'list-commands') as { result: number; arguments: string[] }[];
    assert.deepEqual(list, [{ result: 0, arguments: [...AGENT_COMMANDS] }]);
    const real = (await lab.command('ca', 'list-commands')) as { arguments: string[] }[];
    assert.deepEqual(
      AGENT_COMMANDS.filter((c) => !real[0]!.arguments.includes(c)),
      [],
      "the agent's own commands",
    );
    const version = printed(await keaShell('2.6', PROXY(), ['version-get']), 'version-get') as { result: number; text: string }[];
    assert.deepEqual([version[0]!.result, version[0]!.text], [0, 'agent-lab']);
    // The agent's configuration commands act on a process that is not there.
    const set = printed(await keaShell('3.0', PROXY(), ['config-get']), 'config-get') as { result: number; text: string }[];
    assert.deepEqual(set, [{ result: 2, text: `'config-get' command not supported.${AGENT_HINT}` }]);
  });
});
