/** Identical small reads waiting for the same daemon share one exchange: Kea gets one command
 * for them all, and every answer is one Kea gave after its request came in (a request never
 * joins an exchange already sent). What never shares, a client leaving, the budget given back.
 * A fake Kea that holds its answers until the test lets them go, so requests wait in line. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { buildServer } from '../server/server.js';
import { FakeKea, keaHandler, type FakeCommand } from '../../test/support/fake-kea.js';
import { AnswerBudget } from './budget.js';
import { forward, type ForwardContext } from './forward.js';
import { shareable } from './shared.js';

let dir: string;
let app: App;
let kea: FakeKea;
const log = new MemoryLog();
const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
const ADMIN = basic('admin', 'adm1n-pw');
const RO = basic('viewer', 'v1ewer-pw');
/** Kea's answers to status-get carry the number of the command that made them. */
let made = 0;
/** Requests that reached forward(). */
let asked = 0;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'proxy-shared-'));
  const base = keaHandler({ version: '2.2', daemon: 'dhcp4' });
  const handler = (cmd: FakeCommand): unknown => {
    if (cmd.command === 'status-get') return { result: 0, arguments: { pid: 42, uptime: ++made } };
    if (cmd.command === 'config-hash-get') return { result: 0, arguments: { hash: 'AEF5490B' } };
    return base(cmd);
  };
  kea = await FakeKea.start({ path: path.join(dir, 'kea.sock'), handler });
  const yaml = `poll: { interval: 1h, timeout: 2s }
statistics: { enabled: false }
proxy:
  enabled: true
  maxQueued: 8
  timeout: 10s
  rateLimit: { max: 100000 }
  users:
    - { name: admin, password: adm1n-pw, role: admin }
    - { name: viewer, password: v1ewer-pw }
targets:
  - { name: kea, socket: ${kea.path}, daemon: dhcp4 }`;
  app = new App(parseConfigText(yaml, 'shared.yaml'), { log, version: 't', processMetrics: false });
  await app.start();
  // forward() asks the target for the daemon of each request as it starts, then joins or starts
  // its exchange at once: counting the asks tells when the requests sent are all in line.
  const t = app.targets.find((x) => x.name === 'kea')!;
  const endpointFor = t.endpointFor.bind(t);
  t.endpointFor = (service) => {
    asked++;
    return endpointFor(service);
  };
});

after(async () => {
  await app.stop();
  await kea.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: string, headers: Record<string, string> = ADMIN) =>
  buildServer(app).inject({ method: 'POST', url: '/targets/kea/', payload: body, headers: { 'content-type': 'application/json', ...headers } });

/** Waits for `done`; fails (rather than hang the suite) if it never comes. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 5000) throw new Error('the requests never got in line');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Resolves once Kea has received `n` more commands than `from`. */
const received = (from: number, n: number) => until(() => kea.commands.length >= from + n);

/** Kea holds the answers of connections accepted from now on until the function returned is
 * called: requests meanwhile wait behind the one in flight. */
function hold(): () => void {
  let free!: () => void;
  kea.behaviour = { kind: 'held', until: new Promise<void>((r) => (free = r)) };
  return () => free();
}

/** One request in flight at Kea, its answer held: what is sent next waits in line behind it.
 * `from` and `asked0`: Kea's commands and forward()'s requests before it. */
async function behindOne(command: string) {
  const let1 = hold();
  const from = kea.commands.length;
  const asked0 = asked;
  const first = post(`{ "command": "${command}" }`);
  await received(from, 1);
  return { let1, from, asked0, first };
}

const uptime = (body: string): number => (JSON.parse(body) as [{ arguments: { uptime: number } }])[0].arguments.uptime;
const audits = () => log.lines.filter((l) => l.msg === 'proxy request').map((l) => (l.obj as { audit: Record<string, unknown> }).audit);

describe('identical reads share the exchange that waits', () => {
  test('twelve status-get while one is in flight: Kea gets two commands, one at a time, past maxQueued', async () => {
    const auditFrom = audits().length;
    const { let1, from, asked0, first } = await behindOne('status-get');
    const waiting = Array.from({ length: 11 }, () => post('{ "command": "status-get" }'));
    await until(() => asked === asked0 + 12);
    kea.behaviour = { kind: 'answer' };
    let1();
    const [one, rest] = [await first, await Promise.all(waiting)];
    assert.deepEqual(
      [one, ...rest].map((r) => r.statusCode),
      Array(12).fill(200),
    );
    assert.deepEqual(kea.commands.slice(from), ['status-get', 'status-get']);
    assert.equal(kea.maxConcurrent, 1);
    // The eleven got the answer of the second command, the first its own.
    assert.deepEqual(
      rest.map((r) => uptime(r.body)),
      Array(11).fill(uptime(one.body) + 1),
    );
    assert.ok(rest.every((r) => r.body === rest[0]!.body));
    const mine = audits().slice(auditFrom);
    assert.equal(mine.length, 12);
    assert.deepEqual(mine.map((a) => a.shared).sort(), [false, ...Array<boolean>(11).fill(true)]);
  });

  test('a request that comes once the shared exchange is sent waits for the next one', async () => {
    const { let1, from, asked0, first } = await behindOne('status-get');
    const waiting = [post('{ "command": "status-get" }'), post('{ "command": "status-get" }')];
    await until(() => asked === asked0 + 3);
    const let2 = hold();
    let1();
    await received(from, 2); // the two's exchange is at Kea, its answer held
    const late = post('{ "command": "status-get" }');
    await until(() => asked === asked0 + 4);
    kea.behaviour = { kind: 'answer' };
    let2();
    const [a, b] = await Promise.all(waiting);
    await first;
    assert.equal(uptime(a!.body), uptime(b!.body));
    assert.equal(uptime((await late).body), uptime(a!.body) + 1, 'the late request got an answer of its own, made after it came');
    assert.deepEqual(kea.commands.slice(from), ['status-get', 'status-get', 'status-get']);
  });

  test('never shared: other arguments, redacted beside clear, mutating commands, reads that may stream', async () => {
    assert.equal(shareable('status-get'), true);
    for (const c of ['dhcp-disable', 'config-get', 'statistic-get-all', 'lease4-get-all', 'no-such-command']) assert.equal(shareable(c), false, c);
    const { let1, from, asked0, first } = await behindOne('version-get');
    const all = Promise.all([
      post('{ "command": "status-get", "arguments": { "a": 1 } }'),
      post('{ "command": "status-get", "arguments": { "a": 2 } }'),
      post('{ "command": "config-hash-get" }', RO),
      post('{ "command": "config-hash-get" }', ADMIN),
      post('{ "command": "dhcp-disable" }'),
      post('{ "command": "dhcp-disable" }'),
    ]);
    await until(() => asked === asked0 + 7);
    kea.behaviour = { kind: 'answer' };
    let1();
    const [a1, a2, ro, clear, d1, d2] = await all;
    await first;
    for (const r of [a1, a2, ro, clear, d1, d2]) assert.equal(r.statusCode, 200);
    assert.notEqual(uptime(a1.body), uptime(a2.body));
    assert.deepEqual(ro.json(), [{ result: 0, arguments: { hash: '*****' } }]);
    assert.deepEqual(clear.json(), [{ result: 0, arguments: { hash: 'AEF5490B' } }]);
    const counts: Record<string, number> = {};
    for (const c of kea.commands.slice(from)) counts[c] = (counts[c] ?? 0) + 1;
    assert.deepEqual(counts, { 'version-get': 1, 'status-get': 2, 'config-hash-get': 2, 'dhcp-disable': 2 });
  });
});

describe('leaving a shared exchange', () => {
  const target = () => app.targets.find((t) => t.name === 'kea')!;
  const noCount = { inc: () => {} };
  // Long enough for a loaded machine to get every request in line; short where a test waits it out.
  const context = (budget: AnswerBudget, timeoutMs = 10_000): ForwardContext => ({
    timeoutMs,
    unredacted: false,
    streaming: { budget, refusals: noCount, aborted: noCount },
    cancel: new AbortController(),
    onAbort: () => {},
  });

  test('one client going away leaves the others their answer; the budget is given back once all are done', async () => {
    const budget = new AnswerBudget(1 << 30);
    const { let1, from, first } = await behindOne('version-get');
    const ctxs = [context(budget), context(budget), context(budget)];
    const outs = ctxs.map((ctx) => forward(target(), { command: 'status-get' }, ctx));
    ctxs[0]!.cancel.abort(new Error('client went away'));
    kea.behaviour = { kind: 'answer' };
    let1();
    const [gone, b, c] = await Promise.all(outs);
    await first;
    assert.deepEqual([b!.results, c!.results], [[0], [0]]);
    assert.equal(b!.shared && c!.shared, true);
    assert.deepEqual(kea.commands.slice(from), ['version-get', 'status-get']);
    assert.ok(budget.inFlight > 0, 'the answer is held while one response is still to be written');
    b!.release();
    gone!.release();
    assert.ok(budget.inFlight > 0);
    c!.release();
    assert.equal(budget.inFlight, 0);
  });

  test('every client gone before it is sent: Kea never receives it', async () => {
    const budget = new AnswerBudget(1 << 30);
    const { let1, from, first } = await behindOne('version-get');
    const ctxs = [context(budget), context(budget)];
    const outs = ctxs.map((ctx) => forward(target(), { command: 'status-get' }, ctx));
    for (const ctx of ctxs) ctx.cancel.abort(new Error('client went away'));
    // The abandoned exchange, still in line, is not joinable: a new request starts its own.
    const asked0 = asked;
    const later = post('{ "command": "status-get" }');
    await until(() => asked === asked0 + 1);
    kea.behaviour = { kind: 'answer' };
    let1();
    for (const out of await Promise.all(outs)) out.release();
    await first;
    const fresh = await later;
    assert.deepEqual([fresh.statusCode, fresh.json<[{ result: number }]>()[0].result], [200, 0]);
    assert.deepEqual(kea.commands.slice(from), ['version-get', 'status-get']);
    assert.equal(budget.inFlight, 0);
  });

  test('a daemon that never answers: every request sharing the exchange gets 504', async () => {
    kea.behaviour = { kind: 'hang' };
    const budget = new AnswerBudget(1 << 30);
    const from = kea.commands.length;
    const first = forward(target(), { command: 'version-get' }, context(budget, 300));
    await received(from, 1);
    const rs = await Promise.all([1, 2].map(() => forward(target(), { command: 'status-get' }, context(budget, 300))));
    await first;
    kea.behaviour = { kind: 'answer' };
    assert.deepEqual(
      rs.map((r) => r.status),
      [504, 504],
    );
    for (const r of [...rs, await first]) r.release();
    // Past the wait, or (got the slot as the first gave it up) sent once and timed out.
    assert.ok(kea.commands.slice(from).filter((c) => c === 'status-get').length <= 1, kea.commands.slice(from).join());
  });
});
