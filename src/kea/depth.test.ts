import { test } from 'node:test';
import assert from 'node:assert/strict';
import { textDepthExceeds, valueDepthExceeds } from './depth.js';

const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n);

test('text depth: brackets and braces count, those inside strings (escaped quotes too) do not', () => {
  assert.equal(textDepthExceeds(nested(3), 3), false);
  assert.equal(textDepthExceeds(nested(4), 3), true);
  assert.equal(textDepthExceeds('{"a":{"b":[1]}}', 3), false);
  assert.equal(textDepthExceeds('{"a":{"b":[{}]}}', 3), true);
  assert.equal(textDepthExceeds(`{"s":"${'['.repeat(50)}"}`, 1), false);
  assert.equal(textDepthExceeds(`{"s":"\\"${'['.repeat(50)}"}`, 1), false, 'an escaped quote does not end the string');
  assert.equal(textDepthExceeds(`{"s":"\\\\"${'['.repeat(5)}`, 1), true, 'an escaped backslash does');
  assert.equal(textDepthExceeds('', 0), false);
  assert.equal(textDepthExceeds('"unterminated [[[[', 0), false);
});

test('text depth: a million-deep answer is refused without a stack or a parse', () => {
  assert.equal(textDepthExceeds(nested(1_000_000), 256), true);
});

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
