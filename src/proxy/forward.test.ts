/** What the proxy answers when the daemon cannot: no socket path or URL in any answer, and one
 * command per distinct daemon however often a request names it. Fake daemons, inject(). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from '../app.js';
import { parseConfigText } from '../config/load.js';
import { ERROR_CODES } from '../errors.js';
import { freePort } from '../lab/lab.js';
import { MemoryLog } from '../../test/support/memory-log.js';
import { buildServer } from '../server/server.js';
import { FakeKea, keaHandler } from '../../test/support/fake-kea.js';
import { FakeAgent } from '../../test/support/fake-agent.js';
import { MAX_SERVICES } from './forward.js';

let dir: string;
let app: App;
let kea: FakeKea;
let agent: FakeAgent;
let deadUrl: string;
const AUTH = { authorization: `Basic ${Buffer.from('ops:ops-pw').toString('base64')}` };

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'proxy-fwd-'));
  kea = await FakeKea.start({ path: path.join(dir, 'kea4.sock') });
  agent = await FakeAgent.start({
    services: { dhcp4: keaHandler({ version: '2.2', daemon: 'dhcp4' }), dhcp6: keaHandler({ version: '2.2', daemon: 'dhcp6' }) },
  });
  deadUrl = `http://127.0.0.1:${await freePort('tcp')}/`;
  const yaml = `poll: { interval: 1h, timeout: 500ms }
statistics: { enabled: false }
proxy:
  enabled: true
  timeout: 500ms
  maxBodyBytes: 65536
  users: [ { name: ops, password: ops-pw, role: admin } ]
targets:
  - { name: kea, socket: ${kea.path}, daemon: dhcp4 }
  - { name: gone, socket: ${path.join(dir, 'absent.sock')}, daemon: dhcp4 }
  - { name: agent, url: "${agent.url}", services: [dhcp4, dhcp6] }
  - { name: deadagent, url: "${deadUrl}", services: [dhcp4] }`;
  app = new App(parseConfigText(yaml, 'fwd.yaml'), { log: new MemoryLog(), version: 't', processMetrics: false });
  await app.start();
});

after(async () => {
  await app.stop();
  await Promise.all([kea.close(), agent.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const post = (target: string, body: string) =>
  buildServer(app).inject({ method: 'POST', url: `/targets/${target}/`, payload: body, headers: { 'content-type': 'application/json', ...AUTH } });

describe('no socket path or URL in any proxy answer', () => {
  const leaks = (body: string): string[] =>
    [dir, '.sock', 'http://', 'https://', '127.0.0.1', new URL(deadUrl).port, new URL(agent.url).port].filter((s) => body.includes(s));

  test("connect failures (UNIX and HTTP), garbage: the element names the reason's description", async () => {
    const cases: [string, string, string][] = [
      ['gone', '{ "command": "status-get" }', `unable to forward command to the gone service: ${ERROR_CODES.connect}`],
      ['deadagent', '{ "command": "status-get", "service": [ "dhcp4" ] }', `unable to forward command to the dhcp4 service: ${ERROR_CODES.connect}`],
    ];
    kea.behaviour = { kind: 'garbage' };
    cases.push(['kea', '{ "command": "status-get" }', `unable to forward command to the kea service: ${ERROR_CODES.parse}`]);
    for (const [target, body, text] of cases) {
      const r = await post(target, body);
      assert.equal(r.statusCode, 200, target);
      assert.deepEqual(r.json(), [{ result: 1, text }], target);
      assert.deepEqual(leaks(r.body), [], target);
    }
    kea.behaviour = { kind: 'answer' };
  });

  test("timeouts and queue timeouts: 504 with the reason's description", async () => {
    kea.behaviour = { kind: 'hang' };
    // A read that never shares its exchange: the second waits for the slot on its own.
    const rs = await Promise.all([1, 2, 3].map(() => post('kea', '{ "command": "statistic-get-all" }')));
    kea.behaviour = { kind: 'answer' };
    const texts = rs.map((r) => {
      assert.equal(r.statusCode, 504);
      assert.deepEqual(leaks(r.body), []);
      return r.json<{ text: string }>().text;
    });
    assert.ok(texts.includes(`Gateway Timeout: ${ERROR_CODES.timeout}`), texts.join('; '));
    assert.ok(texts.includes(`Gateway Timeout: ${ERROR_CODES.queue_timeout}`), texts.join('; '));
  });
});

describe('repeated services: one command per distinct daemon', () => {
  test(`the same daemon ${MAX_SERVICES} times: Kea sees one command; the list repeats its element`, async () => {
    const before = kea.commands.length;
    const r = await post('kea', JSON.stringify({ command: 'version-get', service: Array(MAX_SERVICES).fill('dhcp4') }));
    assert.equal(r.statusCode, 200);
    assert.deepEqual(kea.commands.slice(before), ['version-get']);
    const list = r.json<{ text: string }[]>();
    assert.equal(list.length, MAX_SERVICES);
    assert.ok(list.every((e) => e.text === '2.2.0'));
  });

  test('an agent: each service once, elements in the requested order; a service it lacks answered in place', async () => {
    const before = agent.commands.length;
    const r = await post('agent', '{ "command": "status-get", "service": [ "dhcp4", "dhcp6", "dhcp4", "d2", "dhcp6" ] }');
    assert.equal(r.statusCode, 200);
    assert.deepEqual(agent.commands.slice(before), ['status-get', 'status-get']);
    const list = r.json<{ result: number; text?: string; arguments?: { pid: number } }[]>();
    assert.equal(list.length, 5);
    assert.deepEqual(list[2], list[0]);
    assert.deepEqual(list[4], list[1]);
    assert.notEqual(list[0]!.arguments!.pid, list[1]!.arguments!.pid);
    assert.match(list[3]!.text!, /not configured for the server type d2/);
  });

  test(`more than ${MAX_SERVICES} entries: 400 Bad Request, nothing sent to Kea`, async () => {
    const before = kea.commands.length;
    for (const n of [MAX_SERVICES + 1, 2000]) {
      const r = await post('kea', JSON.stringify({ command: 'config-get', service: Array(n).fill('dhcp4') }));
      assert.equal(r.statusCode, 400, String(n));
      assert.deepEqual(r.json(), { result: 400, text: 'Bad Request' });
    }
    assert.equal(kea.commands.length, before);
  });
});
