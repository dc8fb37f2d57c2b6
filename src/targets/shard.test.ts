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
  for (const c of counts) assert.ok(c > 150 && c < 250, `shard sizes ${counts}`);
  assert.ok(names.every((n) => inShard(n, { index: 0, count: 1 })));
});

test('shard index from the file, SHARD_INDEX or a StatefulSet HOSTNAME; errors name the key', () => {
  const cfg = (shard: string, env: Record<string, string> = {}) =>
    parseConfigText(`shard: ${shard}\ntargets: [{ name: a, socket: /run/a.sock }]\n`, 'k.yaml', env).shard;
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
