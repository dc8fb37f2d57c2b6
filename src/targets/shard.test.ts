import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../config/load.js';
import { inShard } from './shard.js';

const names = Array.from({ length: 600 }, (_, i) => `kea-${i}.site-${i % 7}`);

test('3 shards cover every target exactly once, evenly enough', () => {
  const counts = [0, 0, 0];
  for (const n of names) {
    const owners = [0, 1, 2].filter((index) => inShard(n, { index, count: 3 }));
    assert.equal(owners.length, 1, n);
    counts[owners[0]!]!++;
  }
  for (const c of counts) assert.ok(c > 150 && c < 250, `shard sizes ${counts.join()}`);
  assert.ok(names.every((n) => inShard(n, { index: 0, count: 1 })));
});

test('shard index from the file, SHARD_INDEX or a StatefulSet HOSTNAME; errors name the key', () => {
  const key = { KEA_TELEMETRY_HASH_KEY: 'shared-by-every-replica' };
  const cfg = (shard: string, env: Record<string, string> = {}) =>
    parseConfigText(`shard: ${shard}\ntargets: [{ name: a, socket: /run/a.sock }]\n`, 'k.yaml', { ...key, ...env }).shard;
  assert.deepEqual(cfg('{ index: 1, count: 3 }'), { index: 1, count: 3 });
  assert.deepEqual(cfg('{ count: 3 }', { SHARD_INDEX: '2' }), { index: 2, count: 3 });
  assert.deepEqual(cfg('{ count: 3 }', { HOSTNAME: 'kea-telemetry-1' }), { index: 1, count: 3 });
  assert.deepEqual(cfg('{ count: 3 }', { SHARD_INDEX: '', HOSTNAME: 'kea-telemetry-2' }), { index: 2, count: 3 });
  assert.deepEqual(cfg('{}', { HOSTNAME: 'web-7' }), { index: 0, count: 1 });
  assert.throws(() => cfg('{ count: 3 }', { HOSTNAME: 'laptop' }), /shard\.index.*SHARD_INDEX/);
  assert.throws(() => cfg('{ count: 3 }', { SHARD_INDEX: '3' }), /shard\.index.*less than shard\.count/);
  assert.throws(() => cfg('{ index: 3, count: 3 }'), /shard\.index.*less than shard\.count/);
  assert.throws(() => cfg('{ count: 0 }'), /shard\.count/);
});

test('shards need one hash key, from the file or KEA_TELEMETRY_HASH_KEY, so they publish comparable hashes', () => {
  const text = (extra: string) => `${extra}shard: { index: 0, count: 2 }\ntargets: [{ name: a, socket: /run/a.sock }]\n`;
  assert.throws(() => parseConfigText(text(''), 'k.yaml', {}), /k\.yaml: hashKey: required with shard\.count > 1/);
  assert.equal(parseConfigText(text('hashKey: from-the-file-0123\n'), 'k.yaml', {}).hashKey, 'from-the-file-0123');
  assert.equal(parseConfigText(text(''), 'k.yaml', { KEA_TELEMETRY_HASH_KEY: 'from-the-env-0123' }).hashKey, 'from-the-env-0123');
  // Too short, and the message does not echo it.
  assert.throws(
    () => parseConfigText(text('hashKey: short\n'), 'k.yaml', {}),
    (e: Error) => /hashKey: must be at least 16 characters/.test(e.message) && !e.message.includes('short\n'),
  );
  assert.throws(
    () => parseConfigText(text(''), 'k.yaml', { KEA_TELEMETRY_HASH_KEY: 'tiny' }),
    (e: Error) => /at least 16/.test(e.message) && !e.message.includes('tiny'),
  );
  // One replica: no key needed (a random one per process).
  assert.equal(parseConfigText('targets: [{ name: a, socket: /run/a.sock }]\n', 'k.yaml', {}).hashKey, undefined);
});
