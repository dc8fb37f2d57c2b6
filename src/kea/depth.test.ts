import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueDepthExceeds } from './depth.js';

test('value depth: iterative, so any depth is answered', () => {
  let v: unknown = 1;
  for (let i = 0; i < 100_000; i++) v = i % 2 ? [v] : { k: v };
  assert.equal(valueDepthExceeds(v, 256), true);
  assert.equal(valueDepthExceeds({ a: [{ b: 1 }], c: [] }, 3), false);
  assert.equal(valueDepthExceeds({ a: [{ b: {} }] }, 3), true);
  assert.equal(valueDepthExceeds('x', 0), false);
  assert.equal(valueDepthExceeds([], 0), true);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.equal(valueDepthExceeds(cycle, 256), true);
});
