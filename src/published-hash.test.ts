/** Item 10 of the hardening issue: a published config hash must not confirm a guessed secret. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { App } from './app.js';
import { parseConfigText } from './config/load.js';
import { canonicalJson } from './kea/config-hash.js';
import { MemoryLog } from '../test/support/memory-log.js';
import { configHash, FakeKea, keaHandler, type KeaHandler, type KeaVersion } from '../test/support/fake-kea.js';

const SECRET = 'Winter2026!';
const GUESSES = ['123456', 'password', 'kea', 'admin', SECRET, 'letmein'];
let dir: string;
const fakes: FakeKea[] = [];
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'hash-oracle-'))));
after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** A dhcp4 whose lease database password is SECRET: what a read-only user sees as "*****". */
function withPassword(password: string): Record<string, unknown> {
  return {
    'lease-database': { type: 'postgresql', name: 'kea', host: 'db.example', user: 'kea', password },
    subnet4: [{ id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.10 - 192.0.2.200' }] }],
    'valid-lifetime': 4000,
  };
}

async function daemon(version: KeaVersion): Promise<{ fake: FakeKea; handler: KeaHandler }> {
  const handler = keaHandler({ version, daemon: 'dhcp4' });
  handler.reloadConfig(withPassword(SECRET));
  const fake = await FakeKea.start({ path: path.join(dir, `k${fakes.length}.sock`), handler });
  fakes.push(fake);
  return { fake, handler };
}

async function metrics(yaml: string): Promise<string> {
  const app = new App(parseConfigText(yaml, path.join(dir, 'c.yaml')), { log: new MemoryLog(), version: 't', processMetrics: false });
  await app.start();
  const { body } = await app.renderer.render(false);
  await app.stop();
  return body;
}

/** Every way an attacker would hash a candidate configuration: Kea's own (2.4+), our canonical
 * SHA-256 (what 2.2 published before), upper and lower case, whole or cut to any length we print. */
function candidates(): string[] {
  const out: string[] = [];
  for (const guess of GUESSES) {
    const cfg = { Dhcp4: withPassword(guess) };
    for (const h of [configHash(cfg), createHash('sha256').update(canonicalJson(cfg.Dhcp4)).digest('hex')]) {
      out.push(h.toUpperCase(), h.toLowerCase(), h.toLowerCase().slice(0, 32), h.toUpperCase().slice(0, 32));
    }
  }
  return out;
}

const hashes = (body: string): string[] => [...body.matchAll(/hash="([^"]*)"/g)].map((m) => m[1]!);

test("no guessed password is confirmed by any published hash (Kea 2.2 computed, 2.6 Kea's own)", async () => {
  const k22 = await daemon('2.2');
  const k26 = await daemon('2.6');
  // The oracle exists in the raw value: the right guess reproduces Kea's own hash exactly.
  assert.ok(candidates().includes(k26.handler.hash!), 'the test must be able to fail: raw hashes confirm the guess');
  const body = await metrics(`targets:\n  - { name: a, socket: ${k22.fake.path}, daemon: dhcp4 }\n  - { name: b, socket: ${k26.fake.path}, daemon: dhcp4 }\n`);
  const published = hashes(body);
  assert.equal(published.length, 4, body); // config and shared hash of each daemon
  for (const c of candidates()) assert.ok(!published.includes(c), `published ${c}`);
  assert.ok(!body.includes(k26.handler.hash!) && !body.toLowerCase().includes(k26.handler.hash!.toLowerCase().slice(0, 16)));
});

test('replicas (shards) sharing the key agree; another key publishes other values; a change is still seen', async () => {
  const k = await daemon('2.6');
  const yaml = (key: string) => `hashKey: ${key}\ntargets: [{ name: a, socket: ${k.fake.path}, daemon: dhcp4 }]\n`;
  const first = hashes(await metrics(yaml('site-key-0123456789')));
  const second = hashes(await metrics(yaml('site-key-0123456789')));
  const other = hashes(await metrics(yaml('another-key-0123456789')));
  assert.deepEqual(first, second);
  assert.notDeepEqual(first, other);
  k.handler.reloadConfig(withPassword('Spring2027!'));
  const changed = hashes(await metrics(yaml('site-key-0123456789')));
  assert.notEqual(changed[0], first[0]);
});
