import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeaError } from '../errors.js';
import { ElementFramer, MAX_FRAME_DEPTH, type Framing } from './framer.js';
import { fixtureText } from '../../test/support/fake-kea.js';

/** Feeds `body` in pieces cut at `cuts`; returns the element bytes and the result. */
function frame(framing: Framing, body: Buffer, cuts: number[] = []): { element: string; result: number } {
  const f = new ElementFramer(framing, 'test');
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...new Set(cuts.map((x) => x % (body.length + 1)))].sort((a, b) => a - b).concat(body.length)) {
    out.push(...f.push(body.subarray(at, c)));
    at = c;
  }
  const result = f.end();
  const element = Buffer.concat(out).toString('utf8');
  assert.equal(f.bytes, Buffer.byteLength(element));
  return { element, result };
}

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KeaError, `not a KeaError: ${String(err)}`);
    return err.code;
  }
  return 'ok';
};

describe('ElementFramer', () => {
  test('real Kea bodies: the element is the answer without surrounding whitespace; result found after the arguments', () => {
    for (const rel of ['2.2.0/dhcp4.statistic-get-all.json', '2.2.0/dhcp4-ha-primary.config-get.json', '2.2.0/dhcp4.version-get.json']) {
      const text = fixtureText(rel);
      const parsed = JSON.parse(text) as { result: number } | [{ result: number }];
      const framing: Framing = Array.isArray(parsed) ? 'list' : 'answer';
      const answer = Array.isArray(parsed) ? parsed[0] : parsed;
      const { element, result } = frame(framing, Buffer.from(text), [1, 7, 4096, 65_536]);
      assert.equal(result, answer.result, rel);
      assert.deepEqual(JSON.parse(element), answer, rel);
      if (framing === 'answer') assert.equal(element, text.trim(), rel);
    }
    const agent = Buffer.from('[ { "arguments": { "pid": 1 }, "result": 0 } ]');
    assert.equal(frame('list', agent).element, '{ "arguments": { "pid": 1 }, "result": 0 }');
    assert.equal(frame('answer', Buffer.from('\n { "result": 3, "text": "0 leases found" } \n')).result, 3);
  });

  test('the top-level result only, the last of duplicates, as JSON.parse reads it', () => {
    const r = (s: string) => frame('answer', Buffer.from(s)).result;
    assert.equal(r('{ "arguments": { "result": 7, "x": [ { "result": 9 } ] }, "result": 1 }'), 1);
    assert.equal(r('{ "result": 5, "result": 2 }'), 2);
    assert.equal(r('{ "res\\u0075lt": 4 }'), 4);
    assert.equal(r('{"result":-1}'), -1);
    assert.equal(r('{ "result": 1e1 }'), 10);
    for (const bad of [
      '{ "result": "0" }',
      '{ "result": 1.5 }',
      '{ "result": true }',
      '{ "text": "x" }',
      '{ "result": [ 0 ] }',
      '{ "result": 0, "result": null }',
      '{ }',
    ]) {
      assert.equal(
        code(() => r(bad)),
        'bad_answer',
        bad,
      );
    }
  });

  test('refusals, cut-offs, garbage and depth are told apart', () => {
    const c = (framing: Framing, s: string) => code(() => frame(framing, Buffer.from(s)));
    assert.equal(c('list', '{ "result": 400, "text": "Bad Request" }'), 'bad_answer');
    assert.equal(c('list', '[ ]'), 'bad_answer');
    assert.equal(c('list', '[ { "result": 0 }, { "result": 0 } ]'), 'bad_answer');
    assert.equal(c('list', '[ 1 ]'), 'bad_answer');
    assert.equal(c('answer', ''), 'closed');
    assert.equal(c('answer', '{ "arguments": { "a": "b'), 'closed');
    assert.equal(c('list', '[ { "result": 0 }'), 'closed');
    assert.equal(c('answer', 'this is not JSON <html>'), 'parse');
    assert.equal(c('answer', '{ "result": 0 } trailing'), 'parse');
    assert.equal(c('answer', '{ "result": 0 ]'), 'parse');
    assert.equal(c('answer', '{ "a" "b" }'), 'parse');
    assert.equal(c('answer', '{ "a": 1 "result": 0 }'), 'parse');
    assert.equal(c('answer', `{ "a": ${'['.repeat(MAX_FRAME_DEPTH)}`), 'too_deep');
    assert.equal(c('answer', `{ "a": ${'['.repeat(MAX_FRAME_DEPTH - 2)}${']'.repeat(MAX_FRAME_DEPTH - 2)}, "result": 0 }`), 'ok');
  });

  test('property: any JSON answer, any whitespace, any chunking: the element and result JSON.parse sees', () => {
    const answer = fc.record({
      arguments: fc.option(fc.jsonValue(), { nil: undefined }),
      result: fc.integer({ min: -5, max: 1000 }),
      text: fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }),
    });
    fc.assert(
      fc.property(answer, fc.boolean(), fc.constantFrom(0, 1, 2), fc.array(fc.nat(), { maxLength: 8 }), (a, list, indent, cuts) => {
        const el = JSON.stringify(a, null, indent);
        const body = Buffer.from(list ? `[${indent ? '\n' : ''}${el} ]\n` : ` ${el}\n`);
        const out = frame(list ? 'list' : 'answer', body, cuts);
        assert.equal(out.element, el);
        assert.equal(out.result, a.result);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: arbitrary bytes only ever end in a KeaError; a body JSON.parse reads as an answer is accepted alike', () => {
    const pieces = fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', ' ', '"result"', '"result": 0', '0', '-1', 'true', 'x', '\u00e9', '"a"', '\n');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 4 }), (parts, list, cuts) => {
        const text = parts.join('');
        let out: { element: string; result: number } | undefined;
        code(() => (out = frame(list ? 'list' : 'answer', Buffer.from(text), cuts)));
        let ref: unknown;
        try {
          ref = JSON.parse(text);
        } catch {
          ref = undefined;
        }
        const el = (list ? (Array.isArray(ref) && ref.length === 1 ? ref[0] : undefined) : ref) as { result?: unknown } | undefined;
        const isAnswer = typeof el === 'object' && el !== null && !Array.isArray(el) && Number.isInteger(el.result);
        if (isAnswer) assert.equal(out?.result, el.result, text);
        // Accepted: whatever it lets through deeper down, the top level is the answer JSON.parse sees.
        if (out && isAnswer) assert.deepEqual(JSON.parse(out.element), el);
      }),
      { numRuns: 5000 },
    );
  });
});
