/** Issue 12, config hash on Kea 2.2 (source `computed`): it must be what Kea >= 2.4 answers to
 * config-hash-get for the config the daemon prints. A fake serves each real 2.6.3 / 3.0.4
 * config-get capture byte for byte (less the "hash" member 2.2 does not print) and answers
 * config-hash-get as 2.2 does (result 2); with an
 * identity publishHash the snapshot's hash is the raw value, which must equal that capture's own
 * config-hash-get. On every transport: UNIX, a 3.0 daemon's HTTP socket, the Control Agent. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfigHash } from '../kea/config-hash.js';
import { hashPublisher } from '../kea/published-hash.js';
import type { DaemonKind } from '../kea/types.js';
import { CAPTURES_DIR } from '../../test/support/captures.js';
import { fixtureArgs } from '../../test/support/fixture-files.js';
import { FakeKea, keaHandler, type FakeHandler } from '../../test/support/fake-kea.js';
import { FakeAgent, type FakeAgentOptions } from '../../test/support/fake-agent.js';
import { testTarget } from '../../test/support/target.js';

let dir: string;
const closers: (() => Promise<void>)[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'computed-hash-'))));
after(async () => {
  await Promise.all(closers.map((c) => c()));
  rmSync(dir, { recursive: true, force: true });
});

type Version = '2.6.3' | '3.0.4';
interface Case {
  version: Version;
  name: string;
  daemon: DaemonKind;
  text: string;
  kea: string;
}

/** Every 2.6.3 / 3.0.4 config-get capture that has its config-hash-get (all but 3.0.4's dhcp4-http-noauth). */
const CASES: Case[] = (['2.6.3', '3.0.4'] as const).flatMap((version) =>
  readdirSync(`${CAPTURES_DIR}${version}`)
    .filter((f) => f.endsWith('.config-get.json'))
    .sort()
    .flatMap((file) => {
      const name = file.slice(0, -'.config-get.json'.length);
      if (!existsSync(`${CAPTURES_DIR}${version}/${name}.config-hash-get.json`)) return [];
      const daemon: DaemonKind = name.startsWith('dhcp4') ? 'dhcp4' : name.startsWith('dhcp6') ? 'dhcp6' : name.startsWith('d2') ? 'd2' : 'ca';
      const text = readFileSync(`${CAPTURES_DIR}${version}/${file}`, 'utf8');
      return [{ version, name, daemon, text, kea: parseConfigHash(fixtureArgs(version, `${name}.config-hash-get`)) }];
    }),
);

const listed = (c: Case): boolean => c.text.startsWith('[');

/** The capture as Kea 2.2 prints the same config: byte for byte, without the `"hash"` member
 * 2.4+ adds last in the arguments map (else the poller would take Kea's carried value). */
function as22(c: Case, text: string): string {
  const member = `, "hash": "${c.kea}"`;
  assert.equal(text.split(member).length, 2, `${c.name}: one hash member, printed last`);
  return text.replace(member, '');
}

/** The capture's one element, as the fakes put it back between `[ ` and ` ]`. */
function element(c: Case): string {
  const el = c.text.slice(1, -1).trim();
  assert.equal(`[ ${el} ]`, c.text, `${c.name}: the fake re-frames the list byte for byte`);
  return el;
}

/** That version's daemon for everything else; config-get the capture's text as 2.2 prints it,
 * config-hash-get unsupported as on 2.2. */
function served(c: Case, configGet: string): FakeHandler {
  const base = keaHandler({ version: c.version === '2.6.3' ? '2.6' : '3.0', daemon: c.daemon });
  return (cmd) => {
    if (cmd.command === 'config-get') return as22(c, configGet);
    if (cmd.command === 'config-hash-get') return { result: 2, text: "'config-hash-get' command not supported." };
    return base(cmd);
  };
}

const identity = (h: string): string => h;

/** One poll through the real Target: `target` is its YAML flow map (name k); `id` the daemon. */
async function poll(target: string, id = 'self', publishHash = identity) {
  const t = testTarget(`{ name: k, ${target} }`, { settings: 'poll: { timeout: 2s }', publishHash });
  closers.push(() => t.close());
  return t.pollOne(id);
}

async function unix(c: Case): Promise<FakeKea> {
  const fake = await FakeKea.start({ path: path.join(dir, `${c.version}-${c.name}.sock`), handler: served(c, c.text) });
  closers.push(() => fake.close());
  return fake;
}

async function agent(opts: FakeAgentOptions): Promise<FakeAgent> {
  const a = await FakeAgent.start(opts);
  closers.push(() => a.close());
  return a;
}

const SERVICE: Partial<Record<DaemonKind, string>> = { dhcp4: 'dhcp4', dhcp6: 'dhcp6', d2: 'd2' };

test('the real captures give the cases this test needs', () => {
  assert.ok(CASES.length >= 20, `${CASES.length} cases`);
  assert.ok(CASES.some(listed) && CASES.some((c) => !listed(c)));
  assert.ok(CASES.some((c) => c.daemon === 'ca') && CASES.some((c) => c.daemon === 'd2'));
});

for (const c of CASES) {
  test(`${c.version} ${c.name}: with config-hash-get unsupported, the computed hash is the capture's config-hash-get`, async () => {
    const want = { hash: c.kea, source: 'computed' };
    if (!listed(c)) {
      // A daemon's UNIX socket: the answer is a bare map.
      const fake = await unix(c);
      const s = await poll(`socket: "${fake.path}", daemon: ${c.daemon}`);
      assert.equal(s.up, true, s.error?.message);
      assert.deepEqual(fake.commands, ['status-get', 'version-get', 'config-hash-get', 'config-get']);
      assert.deepEqual(s.configHash, want);
      // Detected at first contact (no daemon configured): straight to config-get, same value.
      assert.deepEqual((await poll(`socket: "${fake.path}"`)).configHash, want);
      // The same daemon behind a Control Agent: the agent's list holds its answer as the one
      // element; the hash is of that element's arguments.
      const svc = SERVICE[c.daemon];
      if (svc) {
        const a = await agent({ role: 'agent', services: { [svc]: served(c, c.text) } });
        const viaAgent = await poll(`url: "${a.url}", services: [${svc}]`, svc);
        assert.equal(viaAgent.up, true, viaAgent.error?.message);
        assert.deepEqual(viaAgent.configHash, want);
      }
    } else {
      // A 3.0 daemon's own HTTP socket, or the Control Agent answering for itself: a list.
      const a = await agent(c.daemon === 'ca' ? { role: 'agent', self: served(c, element(c)) } : { role: 'daemon', self: served(c, element(c)) });
      const s = await poll(c.daemon === 'ca' ? `url: "${a.url}", services: []` : `url: "${a.url}", daemon: ${c.daemon}`);
      assert.equal(s.up, true, s.error?.message);
      assert.deepEqual(a.commands, ['status-get', 'version-get', 'config-hash-get', 'config-get']);
      assert.deepEqual(s.configHash, want);
    }
  });
}

test('only the keyed form leaves the poller: the computed hash is published through publishHash', async () => {
  const c = CASES.find((x) => x.version === '3.0.4' && x.name === 'dhcp6')!;
  const publish = hashPublisher('computed-hash-test-key');
  const s = await poll(`socket: "${(await unix(c)).path}", daemon: dhcp6`, 'self', publish);
  assert.deepEqual(s.configHash, { hash: publish(c.kea), source: 'computed' });
  assert.ok(!JSON.stringify(s).includes(c.kea), 'the raw hash is nowhere in the snapshot');
});
