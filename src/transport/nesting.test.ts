/** nestsPast, parseBody's first look at an answer: on any JSON text it says exactly whether the
 * text nests past the limit (brackets inside strings, escaped quotes and backslashes included),
 * so parseBody refuses as deep what the full scan does; every real capture passes at its depth. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CAPTURES } from '../../test/fuzz/arbitraries.js';
import { scanJson } from '../kea/json-scan.js';
import { nestsPast } from './transport.js';

/** Arrays and objects open at once, at most (0 for a scalar). */
function depth(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  let d = 0;
  for (const x of Object.values(v)) d = Math.max(d, depth(x));
  return d + 1;
}

test('strings hold brackets, escaped quotes and backslashes: only the structure counts', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['"[[[["', 0],
    ['{"a": "[{[{\\"[[", "b": [1]}', 2],
    ['["\\\\", [["\\\\\\"]]"]]]', 3],
    ['{"k\\"[": {"\\u005b": [[]]}}', 4],
    ['[{}, [], [[]], "]]]]"]', 3],
  ];
  for (const [text, d] of cases) {
    assert.equal(depth(JSON.parse(text)), d, text);
    assert.equal(nestsPast(text, d), false, `${text} at ${d}`);
    assert.equal(nestsPast(text, d - 1), d > 0, `${text} at ${d - 1}`);
  }
});

test('every real capture nests exactly as deep as its value', () => {
  for (const c of CAPTURES) {
    const d = depth(c.value);
    assert.equal(nestsPast(c.text, d), false, c.file);
    assert.equal(nestsPast(c.text, d - 1), true, c.file);
  }
});

test('any JSON text: nestsPast agrees with the full scan on too_deep', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), fc.boolean(), (value, limit, spaced) => {
      const text = JSON.stringify(value, null, spaced ? 1 : undefined);
      assert.equal(nestsPast(text, limit), scanJson(text, limit).kind === 'too_deep', text);
    }),
    { numRuns: 500 },
  );
});
