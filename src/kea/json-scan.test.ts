import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scanJson, type JsonScan } from './json-scan.js';

const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const kind = (text: string, limit = 64): string => {
  const s = scanJson(text, limit);
  return s.kind === 'invalid' ? `invalid@${s.at}` : s.kind === 'incomplete' ? (s.empty ? 'empty' : 'incomplete') : s.kind;
};

test('complete: one JSON value, whitespace around it', () => {
  for (const t of [
    '{}',
    '[]',
    '0',
    '-0',
    '"x"',
    'true',
    'false',
    'null',
    '-12.5e+3',
    '1E5',
    '0.0',
    ' \t\r\n{"a": [1, -0.5e-3, true, false, null, "\u00e9\\n\\"\\\\\\/\\b\\f\\r\\t\\u12aF", {}, []], "": {"b": {}}} \n',
    '"\ud800 lone surrogate and \u{1F600}"',
  ]) {
    assert.equal(kind(t), 'complete', t);
    JSON.parse(t); // the same verdict as JSON.parse's
  }
});

test('incomplete: a proper beginning of a JSON text, wherever it stops', () => {
  assert.equal(kind(''), 'empty');
  assert.equal(kind(' \n\t'), 'empty');
  for (const t of [
    '{',
    '[',
    ' [',
    '{"a',
    '{"a"',
    '{"a" ',
    '{"a":',
    '{"a":1',
    '{"a":1,',
    '{"a":1 ',
    '{"a":{}',
    '[1,',
    '[1',
    '[[]',
    '"',
    '"\\',
    '"\\u',
    '"\\u12a',
    't',
    'tru',
    'f',
    'nul',
    '-',
    '1.',
    '1e',
    '1e-',
    '[-',
    '[1.',
    '[0',
    '{"a":"x\\"}',
  ]) {
    assert.equal(kind(t), 'incomplete', t);
  }
});

test('invalid: the first character no JSON text has there, by its index', () => {
  const cases: [string, number][] = [
    ['x', 0],
    ['<html>', 0],
    ['\ufeff{}', 0],
    ['NaN', 0],
    ['Infinity', 0],
    ["{'a':1}", 1],
    ['{]', 1],
    ['[}', 1],
    ['{"a" 1}', 5],
    ['{"a":1,}', 7],
    ['[1,]', 3],
    ['[,1]', 1],
    ['{,}', 1],
    ['{"a"::1}', 5],
    ['{1:2}', 1],
    ['01', 1],
    ['-01', 2],
    ['1.x', 2],
    ['1.e5', 2],
    ['1e+x', 3],
    ['+1', 0],
    ['-a', 1],
    ['.5', 0],
    ['"\\x"', 2],
    ['"\\u12g4"', 5],
    ['"a\u0001"', 2],
    ['"tab\there"', 4],
    ['tRue', 1],
    ['true1', 4],
    ['nulll', 4],
    ['{}}', 2],
    ['{} {}', 3],
    ['[1 2]', 3],
    ['{"a":1}x', 7],
    ['[1]]', 3],
    ['{"a":1]', 6],
    ['[1,2}', 4],
  ];
  for (const [t, at] of cases) {
    assert.equal(kind(t), `invalid@${at}`, t);
    assert.throws(() => JSON.parse(t), SyntaxError, t);
  }
});

test('depth: brackets and braces count, those inside strings (escaped quotes too) do not; the first problem wins', () => {
  assert.equal(kind(nested(3), 3), 'complete');
  assert.equal(kind(nested(4), 3), 'too_deep');
  assert.equal(kind('{"a":{"b":[1]}}', 3), 'complete');
  assert.equal(kind('{"a":{"b":[{}]}}', 3), 'too_deep');
  assert.equal(kind(`{"s":"${'['.repeat(50)}"}`, 1), 'complete');
  assert.equal(kind(`{"s":"\\"${'['.repeat(50)}"}`, 1), 'complete', 'an escaped quote does not end the string');
  assert.equal(kind(`["\\\\",${'['.repeat(5)}`, 1), 'too_deep', 'an escaped backslash does');
  assert.equal(kind('['.repeat(3), 3), 'incomplete', 'open but not past the limit: cut off');
  assert.equal(kind(`x${'['.repeat(10)}`, 3), 'invalid@0');
  assert.equal(kind(`${'['.repeat(10)}x`, 3), 'too_deep');
  assert.equal(kind(nested(1_000_000), 256), 'too_deep', 'a million levels: no stack, no parse');
});

/** JSON texts: values of every kind, compact or indented, with whitespace of every kind. */
const jsonText = fc
  .tuple(
    fc.jsonValue({ maxDepth: 6 }),
    fc.constantFrom<number | string>(0, 1, 2, '\t', ' \r\n'),
    fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 3 }),
  )
  .map(([v, indent, ws]) => ws + JSON.stringify(v, null, indent) + ws);
/** Characters that matter to the grammar, and some that never may appear outside strings. */
const interesting = fc.constantFrom(...'{}[]":,\\ \t\n-+.0123456789eEtrufalsn/bx#\u0000\u001f\u00e9\ufeff');
/** A JSON text damaged: cut, a character replaced, or one inserted. */
const damaged = fc.tuple(jsonText, fc.nat(), interesting, fc.constantFrom('cut', 'replace', 'insert')).map(([t, at, c, how]) => {
  const i = at % (t.length + 1);
  return how === 'cut' ? t.slice(0, i) : how === 'replace' ? t.slice(0, i) + c + t.slice(i + 1) : t.slice(0, i) + c + t.slice(i);
});

const parses = (t: string): boolean => {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
};

test('property: complete exactly when JSON.parse accepts; invalid only where the text stops being a JSON beginning', () => {
  fc.assert(
    fc.property(fc.oneof(jsonText, damaged, damaged, fc.string({ unit: interesting, maxLength: 12 })), (t) => {
      const s: JsonScan = scanJson(t, 1000);
      assert.equal(s.kind === 'complete', parses(t), `${JSON.stringify(t)}: ${s.kind}`);
      if (s.kind === 'invalid') {
        // Everything before the reported character is still a JSON beginning (or a whole value)...
        const before = scanJson(t.slice(0, s.at), 1000).kind;
        assert.ok(before === 'incomplete' || before === 'complete', `${JSON.stringify(t)}: before ${s.at}: ${before}`);
        // ...and no ending makes it JSON from that character on.
        for (const tail of ['', '}', ']', '"', '0', ' ', 'e', '}]}]', '"}']) assert.equal(parses(t.slice(0, s.at + 1) + tail), false, JSON.stringify(t));
      }
    }),
    { numRuns: 3000 },
  );
});

test('property: every proper beginning of a JSON text is incomplete (or, for a bare number, a whole one)', () => {
  fc.assert(
    fc.property(jsonText, (t) => {
      const end = t.trimEnd().length;
      for (let k = 0; k < end; k++) {
        const s = scanJson(t.slice(0, k), 1000);
        const ok = s.kind === 'incomplete' || (s.kind === 'complete' && parses(t.slice(0, k)));
        assert.ok(ok, `${JSON.stringify(t.slice(0, k))}: ${s.kind}`);
      }
      assert.equal(scanJson(t, 1000).kind, 'complete');
    }),
    { numRuns: 300 },
  );
});
