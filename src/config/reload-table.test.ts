/** The reload table covers every key of the configuration: a key added to the file schema and
 * not to RELOAD_TABLE fails here, so nobody has to remember the reload path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { parseConfigText } from './load.js';
import { changedKeys, RELOAD_KEYS, RELOAD_TABLE, rebuildsEveryTarget, withRunning, type ReloadKey } from './reload-table.js';
import { configFileSchema } from './schema.js';
import { duration } from './schema-parts.js';

type Schema = z.core.$ZodType;
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly']);

const unwrap = (s: Schema): Schema => (WRAPPERS.has(s._zod.def.type) ? unwrap((s._zod.def as unknown as { innerType: Schema }).innerType) : s);

/** Every key path of the file schema, in Config's names (toConfig turns each duration `x` into
 * `xMs`): objects are walked; lists, records and scalars are leaves. */
function configPaths(schema: Schema, prefix = ''): { path: string; leaf: boolean }[] {
  const s = unwrap(schema);
  if (s._zod.def.type !== 'object') return [];
  const shape = (s._zod.def as unknown as { shape: Record<string, Schema> }).shape;
  return Object.entries(shape).flatMap(([key, child]) => {
    const inner = unwrap(child);
    const path = `${prefix}${key}${inner === duration ? 'Ms' : ''}`;
    return [{ path, leaf: inner._zod.def.type !== 'object' }, ...configPaths(child, `${path}.`)];
  });
}

const WALKED = configPaths(configFileSchema);
const PATHS = WALKED.map((p) => p.path);
const LEAVES = WALKED.filter((p) => p.leaf).map((p) => p.path);

test('the walk sees the schema: nested keys, durations renamed as in Config', () => {
  for (const p of ['listen', 'poll.intervalMs', 'poll.background', 'proxy.rateLimit.windowMs', 'otel.headers', 'shard.count', 'hashKey', 'targets']) {
    assert.ok(PATHS.includes(p), p);
  }
  assert.ok(!PATHS.includes('poll.interval'));
  assert.ok(LEAVES.includes('proxy.rateLimit.windowMs') && !LEAVES.includes('proxy.rateLimit'));
});

test('every key of the config schema has a row in the reload table (itself or a subtree above it)', () => {
  const covered = (p: string) => RELOAD_KEYS.some((k) => p === k || p.startsWith(`${k}.`));
  assert.deepEqual(
    LEAVES.filter((p) => !covered(p)),
    [],
    'add these keys to RELOAD_TABLE in src/config/reload-table.ts',
  );
});

test('every row names a key of the schema, and no row sits inside another', () => {
  assert.deepEqual(
    RELOAD_KEYS.filter((k) => !PATHS.includes(k)),
    [],
    'stale rows',
  );
  const nested = RELOAD_KEYS.filter((k) => RELOAD_KEYS.some((o) => k.startsWith(`${o}.`)));
  assert.deepEqual(nested, []);
});

const base = `poll: { interval: 5s, timeout: 2s }\ntargets:\n  - { name: a, socket: /run/a.sock }\n`;
const parse = (text: string) => parseConfigText(text, '/etc/k.yaml', {});

test('changedKeys: the rows whose value changed, by Config path', () => {
  const a = parse(base);
  assert.deepEqual(changedKeys(a, parse(base)), []);
  const b = parse(
    `listen: 127.0.0.1:1\npoll: { interval: 6s, timeout: 2s, background: false }\nproxy: { rateLimit: { window: 2m } }\notel: { enabled: true }\ntargets:\n  - { name: a, socket: /run/b.sock }\n`,
  );
  assert.deepEqual(changedKeys(a, b), ['listen', 'poll.intervalMs', 'poll.background', 'proxy.rateLimit', 'otel', 'targets']);
  assert.deepEqual(changedKeys(a, parse(`hashKey: ${'k'.repeat(32)}\n${base}`)), ['hashKey'], 'an optional key appearing');
});

test('rebuildsEveryTarget: keys every target holds, not the ones that pick the targets', () => {
  const every = RELOAD_KEYS.filter(rebuildsEveryTarget);
  assert.ok(every.includes('poll.timeoutMs') && every.includes('hashKey') && every.includes('proxy.maxQueued'));
  assert.ok(!every.includes('targets') && !every.includes('shard') && !every.includes('poll.intervalMs'));
  assert.ok(every.every((k: ReloadKey) => RELOAD_TABLE[k] === 'restart targets'));
});

test('withRunning: the waiting keys keep their running value, the rest is the new file', () => {
  const running = parse(base);
  const next = parse(`listen: 127.0.0.1:1\nproxy: { listen: 127.0.0.1:2, maxQueued: 5 }\n${base.replace('5s', '7s')}`);
  const out = withRunning(next, running, ['listen', 'proxy.listen']);
  assert.deepEqual(out.listen, running.listen);
  assert.equal(out.proxy.listen, undefined, 'absent before: absent still');
  assert.ok(!('listen' in out.proxy));
  assert.equal(out.proxy.maxQueued, 5);
  assert.equal(out.poll.intervalMs, 7000);
  assert.ok(Object.isFrozen(out) && Object.isFrozen(out.proxy));
  assert.deepEqual(changedKeys(running, out), ['poll.intervalMs', 'proxy.maxQueued']);
  assert.equal(withRunning(next, running, []), next);
});
