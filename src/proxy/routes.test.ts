/** The proxy end to end through buildServer().inject(), against fake Kea daemons (for what the
 * real lab cannot show: full queues, timeouts, agents with several services). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { buildServer } from '../server/server.js';
import { hashPassword } from './password.js';
import { FakeKea, keaHandler } from '../../test/support/fake-kea.js';
import { FakeAgent } from '../../test/support/fake-agent.js';

let dir: string;
let app: App;
let fast: FakeKea;
let slow: FakeKea;
let agent: FakeAgent;
const log = new MemoryLog();
const TOKEN = 'tok-0123456789abcdef';

const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const ADMIN = basic('admin', 'adm1n-pw');
const RO = basic('viewer', 'v1ewer-pw');

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'proxy-'));
  fast = await FakeKea.start({ path: path.join(dir, 'fast.sock'), handler: keaHandler({ version: '2.2', daemon: 'dhcp4' }) });
  slow = await FakeKea.start({ path: path.join(dir, 'slow.sock'), handler: keaHandler({ version: '2.2', daemon: 'dhcp4' }) });
  agent = await FakeAgent.start({ services: { dhcp4: keaHandler({ version: '2.2', daemon: 'dhcp4' }) }, offline: ['dhcp6'] });
  const yaml = `poll: { interval: 1h, timeout: 2s }
statistics: { enabled: false }
proxy:
  enabled: true
  maxBodyBytes: 16384
  maxQueued: 3
  timeout: 500ms
  rateLimit: { max: 1000 }
  users:
    - { name: admin, password: "${await hashPassword('adm1n-pw')}", role: admin }
    - { name: viewer, password: v1ewer-pw }
    - { name: fastonly, password: f-pw, role: fast-ops }
    - { name: leaser, password: l-pw, role: leases }
  tokens:
    - { name: grafana, token: ${TOKEN} }
  roles:
    fast-ops: { commands: ["*", "config-write"], targets: [fast] }
    leases: { commands: ["lease4-*", "status-get"] }
targets:
  - { name: fast, socket: ${fast.path}, daemon: dhcp4 }
  - { name: slow, socket: ${slow.path}, daemon: dhcp4 }
  - { name: agent, url: "${agent.url}", services: [dhcp4, dhcp6] }`;
  app = new App(parseConfigText(yaml, 'proxy.yaml'), { log, version: 't', processMetrics: false });
  await app.start();
});

after(async () => {
  await app.stop();
  await Promise.all([fast.close(), slow.close(), agent.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** One element of a Control Agent style answer list. */
interface Answer {
  result: number;
  text?: string;
}

/** What real agents answered (test/support/record-agent-answers.ts). */
interface Recorded {
  name: string;
  body: string;
  status: number;
  answer: string;
}
const recorded = (v: string): Recorded[] =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/kea/agent-answers/${v}.json`, import.meta.url), 'utf8')) as Recorded[];
/** Accepted by the proxy, refused by the agent: Kea-style comments and any Content-Type. */
const LENIENT = new Set(['comments', 'no-content-type', 'text-plain', 'json-charset']);

/** One server for the file: building one per request cost most of the file's time. */
let server: ReturnType<typeof buildServer> | undefined;
const post = (target: string, body: string, headers: Record<string, string> = ADMIN) =>
  (server ??= buildServer(app)).inject({
    method: 'POST',
    url: `/targets/${target}/`,
    payload: body,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** The values of kea_exporter_proxy_requests_total series (by their label text), 0 when absent. */
async function requestCounts<K extends string>(series: Record<K, string>): Promise<Record<K, number>> {
  const body = (await app.renderer.render(false)).body;
  const value = (labels: string) =>
    Number(
      body
        .split('\n')
        .find((l) => l.startsWith(`kea_exporter_proxy_requests_total{${labels}} `))
        ?.split(' ')[1] ?? 0,
    );
  return Object.fromEntries(Object.entries<string>(series).map(([k, labels]) => [k, value(labels)])) as Record<K, number>;
}

describe('authentication and authorization', () => {
  test('missing or wrong credentials: 401 bare map, nothing sent to Kea', async () => {
    const before = fast.commands.length;
    for (const headers of [{}, basic('admin', 'nope'), basic('ghost', 'x'), { authorization: 'Bearer wrong-token-123456' }, { authorization: 'Digest x' }]) {
      const r = await post('fast', '{ "command": "status-get" }', headers);
      assert.equal(r.statusCode, 401);
      assert.deepEqual(r.json(), { result: 401, text: 'Unauthorized' });
      assert.match(String(r.headers['www-authenticate']), /^Basic/);
    }
    assert.equal(fast.commands.length, before);
  });

  test('basic (hashed and plain) and bearer credentials work', async () => {
    for (const headers of [ADMIN, RO, { authorization: `Bearer ${TOKEN}` }]) {
      const r = await post('fast', '{ "command": "status-get" }', headers);
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json<Answer[]>()[0]?.result, 0);
    }
  });

  test("read-only role: mutating commands 403 and never reach Kea; another target's role 403", async () => {
    const before = fast.commands.length;
    for (const command of [
      'config-set',
      'config-write',
      'config-reload',
      'shutdown',
      'dhcp-disable',
      'lease4-del',
      'lease4-wipe',
      'statistic-reset-all',
      'ha-maintenance-start',
    ]) {
      const r = await post('fast', JSON.stringify({ command }), RO);
      assert.equal(r.statusCode, 403, command);
      assert.deepEqual(r.json(), { result: 403, text: 'Forbidden' });
    }
    assert.equal(fast.commands.length, before);
    assert.equal((await post('slow', '{ "command": "status-get" }', basic('fastonly', 'f-pw'))).statusCode, 403);
    assert.equal((await post('fast', '{ "command": "config-write" }', basic('fastonly', 'f-pw'))).statusCode, 200);
  });

  test('globs grant reads only: lease4-* cannot wipe, delete or add, * cannot set; an exact name can', async () => {
    const LEASER = basic('leaser', 'l-pw');
    const FASTONLY = basic('fastonly', 'f-pw');
    const before = fast.commands.length;
    for (const [headers, command] of [
      [LEASER, 'lease4-wipe'],
      [LEASER, 'lease4-del'],
      [LEASER, 'lease4-add'],
      [LEASER, 'lease4-update'],
      [LEASER, 'lease4-x1'],
      [FASTONLY, 'config-set'],
      [FASTONLY, 'shutdown'],
      [FASTONLY, 'statistic-reset-all'],
      [FASTONLY, 'ha-maintenance-start'],
    ] as const) {
      const r = await post('fast', JSON.stringify({ command, arguments: { 'ip-address': '192.0.2.1' } }), headers);
      assert.equal(r.statusCode, 403, command);
    }
    assert.equal(fast.commands.length, before, 'nothing reached Kea');
    assert.equal((await post('fast', '{ "command": "lease4-get-all" }', LEASER)).statusCode, 200);
    assert.equal((await post('fast', '{ "command": "status-get" }', FASTONLY)).statusCode, 200);
    assert.deepEqual(fast.commands.slice(before), ['lease4-get-all', 'status-get']);
  });

  test('300 distinct unknown commands create at most one `other` series per code', async () => {
    const series = async () =>
      ((await app.renderer.render(false)).body.match(/^kea_exporter_proxy_requests_total\{.*$/gm) ?? []).map((l) => l.replace(/ \S+$/, ''));
    const before = await series();
    for (let i = 0; i < 300; i++) {
      // Refused to a glob (403) and run for admin (Kea answers "not supported"): both counted as other.
      assert.equal((await post('fast', `{ "command": "lease4-x${i}" }`, basic('leaser', 'l-pw'))).statusCode, 403);
      assert.equal((await post('fast', `{ "command": "lease4-y${i}" }`)).statusCode, 200);
    }
    const added = (await series()).filter((l) => !before.includes(l));
    assert.ok(
      added.every((l) => l.includes('command="other"')),
      added.join('\n'),
    );
    assert.ok(added.length <= 2, added.join('\n'));
    assert.doesNotMatch((await series()).join('\n'), /lease4-[xy]\d/);
  });
});

describe('Control Agent compatibility', () => {
  test('a socket target answers a one-element list, with or without its service', async () => {
    for (const body of ['{ "command": "version-get" }', '{ "command": "version-get", "service": [ "dhcp4" ] }']) {
      const r = await post('fast', body);
      assert.equal(r.json<Answer[]>()[0]?.text, '2.2.0');
    }
    const other = await post('fast', '{ "command": "version-get", "service": [ "dhcp6" ] }');
    assert.match(other.json<Answer[]>()[0]?.text ?? '', /not configured for the server type dhcp6/);
  });

  test('an agent target: one element per service, in order; an offline one says so', async () => {
    const r = await post('agent', '{ "command": "status-get", "service": [ "dhcp6", "dhcp4", "d2" ] }');
    const [d6, d4, d2] = r.json<Answer[]>();
    assert.equal(d4!.result, 0);
    assert.equal(d6!.result, 1);
    assert.match(d6!.text!, /unable to forward|likely to be offline/);
    assert.match(d2!.text!, /not configured for the server type d2/);
  });

  test("Kea-style comments and any Content-Type are accepted (kea-shell, files); not JSON: Kea's 400; unknown target 404", async () => {
    const commented = '// a comment\n{ "command": "status-get", # hash comment\n /* block */ "arguments": {} }';
    assert.equal((await post('fast', commented)).statusCode, 200);
    assert.equal((await post('fast', '{ "command": "status-get" }', { ...ADMIN, 'content-type': 'text/plain' })).statusCode, 200);
    for (const bad of ['not json', '{ "command": "status-get"', ' ', '{"command": "status-get", "arguments": 5}']) {
      const r = await post('fast', bad);
      assert.equal(r.statusCode, 400, bad);
      assert.equal(r.body, '{ "result": 400, "text": "Bad Request" }');
    }
    assert.equal((await post('nosuch', '{ "command": "status-get" }')).statusCode, 404);
  });

  // Issue 12 bug 6: what real agents answered (test/support/record-agent-answers.ts), byte for
  // byte, except where the proxy is deliberately lenient (comments, Content-Type).
  for (const v of ['2.6.3', '3.0.4']) {
    test(`malformed commands at an agent target are answered as the ${v} agent answers them, none reaching Kea`, async () => {
      const cases = recorded(v).filter((c) => !/"result": 0/.test(c.answer) && !LENIENT.has(c.name));
      assert.ok(cases.length >= 20, `${cases.length}`);
      const before = agent.commands.length;
      for (const c of cases) {
        const r = await post('agent', c.body);
        assert.deepEqual({ status: r.statusCode, body: r.body }, { status: c.status, body: c.answer }, c.name);
      }
      // Only the well-formed unknown names are forwarded (and the agent or its daemon says "not supported").
      assert.deepEqual(agent.commands.slice(before), ['no-such-command', 'no-such-command']);
    });
  }

  test('malformed commands at a socket target: the same answers; a name Kea has not is answered here', async () => {
    const before = fast.commands.length;
    const r = await post('fast', '{}');
    assert.deepEqual(
      [r.statusCode, r.body],
      [200, '[ { "result": 1, "text": "Error during command processing: invalid command: does not contain mandatory \'command\'" } ]'],
    );
    assert.equal((await post('fast', '{"command": "status-get", "service": "dhcp4"}')).body, '[ { "result": 1, "text": "service value must be a list" } ]');
    assert.equal((await post('fast', '{"command": "Foo Bar"}')).body, '[ { "result": 2, "text": "\'Foo Bar\' command not supported." } ]');
    const two = await post('fast', '{"command": "", "service": ["dhcp4", "d2"]}');
    assert.deepEqual(two.json(), [
      { result: 2, text: "'' command not supported." },
      { result: 1, text: 'forwarding socket is not configured for the server type d2' },
    ]);
    assert.equal(fast.commands.length, before, 'nothing reached Kea');
    // The roles still decide first: a name outside the catalog is the read-only user's 403.
    assert.equal((await post('fast', '{"command": "Foo Bar"}', RO)).statusCode, 403);
    assert.equal((await post('fast', '{"command": "no-such-command"}', RO)).statusCode, 403);
  });

  test("the issue's 10 KB body nested 5,000 deep: Kea's 400 for a read-only user, and no daemon sees it", async () => {
    const deep = `{"command":"status-get","arguments":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const sent = fast.commands.length;
    for (const headers of [RO, ADMIN]) {
      const r = await post('fast', deep, headers);
      assert.equal(r.statusCode, 400);
      assert.deepEqual(r.json(), { result: 400, text: 'Bad Request' });
    }
    assert.equal(fast.commands.length, sent);
    // Still alive and answering.
    assert.equal((await post('fast', '{ "command": "status-get" }', RO)).statusCode, 200);
  });

  test('bodies over maxBodyBytes: 413', async () => {
    const r = await post('fast', JSON.stringify({ command: 'status-get', arguments: { pad: 'x'.repeat(17_000) } }));
    assert.equal(r.statusCode, 413);
  });

  test('config-get is redacted unless the role is unredacted', async () => {
    const hash = 'AEF549157C400D9FDFDD010BBFD4C473E54F00DB23856BF76D83E5677D65825A';
    const base = fast.handler;
    fast.handler = (cmd: { command: string }) => {
      if (cmd.command === 'config-hash-get') return { result: 0, arguments: { hash } };
      if (cmd.command !== 'config-get') return base(cmd);
      return {
        result: 0,
        arguments: {
          Dhcp4: {
            'lease-database': { type: 'mysql', name: 'kea', user: 'kea', password: 's3cr3t' },
            'hooks-libraries': [{ library: 'x.so', parameters: { dbPassword: 'dbpw-1', note: ' http://u:urlpw-2@h/' } }],
          },
          hash,
        },
      };
    };
    try {
      type ConfigGet = [{ arguments: { hash: string; Dhcp4: { 'lease-database': Record<string, string> } } }];
      const ro = await post('fast', '{ "command": "config-get" }', RO);
      const [roAnswer] = ro.json<ConfigGet>();
      assert.equal(roAnswer.arguments.Dhcp4['lease-database'].password, '*****');
      assert.equal(roAnswer.arguments.Dhcp4['lease-database'].user, 'kea');
      // Kea's hash of the config with its secrets would confirm guesses of them offline.
      assert.equal(roAnswer.arguments.hash, '*****');
      assert.doesNotMatch(ro.body, /s3cr3t|dbpw-1|urlpw-2|AEF549/);
      const roHash = await post('fast', '{ "command": "config-hash-get" }', RO);
      assert.deepEqual(roHash.json(), [{ result: 0, arguments: { hash: '*****' } }]);
      const admin = await post('fast', '{ "command": "config-get" }', ADMIN);
      const [adminAnswer] = admin.json<ConfigGet>();
      assert.equal(adminAnswer.arguments.Dhcp4['lease-database'].password, 's3cr3t');
      assert.equal(adminAnswer.arguments.hash, hash);
      assert.deepEqual((await post('fast', '{ "command": "config-hash-get" }', ADMIN)).json(), [{ result: 0, arguments: { hash } }]);
    } finally {
      fast.handler = base;
    }
  });

  test('GET /targets lists targets and daemons; needs credentials', async () => {
    assert.equal((await buildServer(app).inject({ url: '/targets' })).statusCode, 401);
    const r = await buildServer(app).inject({ url: '/targets', headers: RO });
    const list = r.json<{ name: string; daemons: { daemon: string; up: boolean }[] }[]>();
    assert.deepEqual(
      list.map((t) => t.name),
      ['fast', 'slow', 'agent'],
    );
    assert.deepEqual(
      list[2]!.daemons.map((d) => d.daemon),
      ['ca', 'dhcp4', 'dhcp6'],
    );
    const limited = await buildServer(app).inject({ url: '/targets', headers: basic('fastonly', 'f-pw') });
    assert.deepEqual(
      limited.json<{ name: string }[]>().map((t) => t.name),
      ['fast'],
    );
  });
});

describe('never harm Kea', () => {
  // statistic-get-all: a read that never shares its exchange (src/proxy/shared.ts), so each
  // request takes its own place in the queue.
  test('beyond maxQueued: 503 with Retry-After at once; past the timeout: 504; one connection at a time', async () => {
    slow.behaviour = { kind: 'slow', delayMs: 300 };
    const { full } = await requestCounts({ full: 'target="slow",command="statistic-get-all",code="503"' });
    const results = await Promise.all(Array.from({ length: 12 }, () => post('slow', '{ "command": "statistic-get-all" }')));
    const codes = results.map((r) => r.statusCode).sort();
    assert.ok(codes.includes(503), `codes ${codes.join()}`);
    assert.ok(codes.includes(504), `codes ${codes.join()}`);
    for (const r of results.filter((x) => x.statusCode === 503)) assert.equal(r.headers['retry-after'], '1');
    assert.equal(slow.maxConcurrent, 1);
    const counted = await requestCounts({ full: 'target="slow",command="statistic-get-all",code="503"' });
    assert.equal(counted.full - full, codes.filter((c) => c === 503).length, 'each 503 counted once');
    slow.behaviour = { kind: 'answer' };
    await new Promise((r) => setTimeout(r, 700));
  });

  test('every request writes one audit line and counts in kea_exporter_proxy_requests_total', async () => {
    const audits = () => log.lines.filter((l) => l.msg === 'proxy request').map((l) => (l.obj as { audit: Record<string, unknown> }).audit);
    const series = {
      ok: 'target="fast",command="status-get",code="200"',
      unauthorized: 'target="fast",command="none",code="401"',
      forbidden: 'target="fast",command="config-set",code="403"',
    };
    const before = { lines: audits().length, counts: await requestCounts(series) };
    assert.equal((await post('fast', '{ "command": "status-get" }')).statusCode, 200);
    assert.equal((await post('fast', '{ "command": "status-get" }', {})).statusCode, 401);
    assert.equal((await post('fast', '{ "command": "config-set", "arguments": {} }', RO)).statusCode, 403);
    const mine = audits().slice(before.lines);
    assert.deepEqual(
      mine.map((a) => [a.user, a.method, a.target, a.command, a.services, a.status, a.results]),
      [
        ['admin', 'basic', 'fast', 'status-get', [], 200, [0]],
        [null, null, 'fast', null, [], 401, []],
        ['viewer', 'basic', 'fast', 'config-set', [], 403, []],
      ],
    );
    for (const a of mine) {
      assert.equal(typeof a.client, 'string');
      assert.ok(Number.isInteger(a.durationMs) && (a.durationMs as number) >= 0, String(a.durationMs));
    }
    const after = await requestCounts(series);
    for (const k of Object.keys(series) as (keyof typeof series)[]) assert.equal(after[k] - before.counts[k], 1, series[k]);
  });
});
