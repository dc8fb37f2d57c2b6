/** The statistics poller's reader of Kea's text (StatisticsTextReader: its fast way and the
 * general one, walkStatisticsText) against the reference it replaces: parseBody, the answer map
 * (UNIX) or list of one (HTTP), expectSuccess and parseStatistics. Same samples, same answer, or
 * the same error code, on every capture and on fuzzed texts, fresh and poll after poll. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeaError } from '../../errors.js';
import { answerOfBody, expectSuccess } from '../answer.js';
import { parseBody } from '../../transport/transport.js';
import { bodyArb, CAPTURES } from '../../../test/fuzz/arbitraries.js';
import { parseStatistics, samplesOf, type StatColumns } from './parse.js';
import { StatisticsTextReader } from './statistics-text.js';
import { walkStatisticsText } from './walk-text.js';

type Outcome = { result: number; text?: string; samples: readonly unknown[] } | { code: string };

function reference(text: string, list: boolean): Outcome {
  try {
    const answer = answerOfBody(parseBody(text, 'x'), list, 'x');
    const samples = answer.result === 0 ? parseStatistics(expectSuccess(answer, 'x')) : [];
    return { result: answer.result, ...(answer.text !== undefined && { text: answer.text }), samples };
  } catch (err) {
    if (err instanceof KeaError) return { code: err.code };
    throw err;
  }
}

function outcome(read: () => { answer: { result: number; text?: string }; samples: readonly unknown[] }): Outcome {
  try {
    const { answer, samples } = read();
    return { result: answer.result, ...(answer.text !== undefined && { text: answer.text }), samples: answer.result === 0 ? samples : [] };
  } catch (err) {
    if (err instanceof KeaError) return { code: err.code };
    throw err;
  }
}

/** The columns of the last read fromText() made. */
let lastRead: StatColumns | undefined;

/** The poller's reader (fresh, or one that read others before) and the general way alone: both
 * must give the same. */
function fromText(text: string, list: boolean, reader = new StatisticsTextReader()): Outcome {
  const general = outcome(() => {
    const { answer, newest } = walkStatisticsText(text, list, 'x');
    return { answer, samples: parseStatistics(newest && Object.fromEntries([...newest].map(([k, v]) => [k, [[v]]]))) };
  });
  const read = outcome(() => {
    const { answer, statistics } = reader.read(text, list, 'x');
    lastRead = statistics;
    return { answer, samples: samplesOf(statistics) };
  });
  assert.deepEqual(read, general, 'the fast way and the general one disagree');
  return read;
}

const statisticCaptures = CAPTURES.filter((c) => c.command === 'statistic-get-all');

test('every statistic-get-all capture (2.2, 2.6, 3.0; UNIX and HTTP) reads as the parsed answer does', () => {
  let withSamples = 0;
  const reader = new StatisticsTextReader();
  for (const c of statisticCaptures) {
    const want = reference(c.text, c.list);
    if ('samples' in want && want.samples.length > 0) withSamples++;
    assert.deepEqual(fromText(c.text, c.list), want, c.file);
    assert.deepEqual(fromText(c.text, c.list, reader), want, c.file);
  }
  // Kea's own answers all take the fast way (not the agent's own refusal: it has no arguments).
  assert.ok(reader.generalReads <= statisticCaptures.length - withSamples, `${reader.generalReads} reads the general way`);
  assert.ok(withSamples >= 10, `${withSamples} of ${statisticCaptures.length} captures have statistics`);
});

test('what JSON.parse does with odd arguments, the text reader does too', () => {
  const cases = [
    // a repeated name keeps its first place and its last value
    '{"result":0,"arguments":{"a":[[1,"t"]],"b":[[2,"t"]],"a":[[3,"t"]]}}',
    // array-index names come first, ascending; "__proto__" is a name like any other
    '{"result":0,"arguments":{"z":[[1,"t"]],"10":[[2,"t"]],"2":[[3,"t"]],"4294967295":[[4,"t"]],"__proto__":[[5,"t"]],"01":[[6,"t"]]}}',
    // escapes in names and in strings around, quotes escaped, backslashes before quotes
    '{"result":0,"text":"a \\"q\\" \\\\","arguments":{"subnet[1].\\u0061ssigned-addresses":[[7,"t\\"]]"]],"k\\\\":[[8,"\\\\"]]}}',
    '{"result":0,"arguments":{"q\\"uote":[[1,"a\\",[[9"]],"next\\\\":[[2,"t\\\\"]],"last":[[3,"t"]]}}',
    // values: floats, exponents, big, negative, -0, strings, empty, nested, not lists
    '{"result":0,"arguments":{"f":[[0.25,"t"]],"e":[[1e400,"t"]],"E":[[-2E-3,"t"]],"b":[[340282366920938463463374607431768211455,"t"]],"n":[[-0,"t"]],"i":[[123456789012345678,"t"]],"s":[["0h0m","t"]],"x":[],"y":[[]],"z":[[[1]]],"o":{},"nul":null,"flat":[1,2]}}',
    // arguments repeated (the last wins), not a map, absent, and the answer not a success
    '{"arguments":{"a":[[1,"t"]]},"result":0,"arguments":{"b":[[2,"t"]]}}',
    '{"result":0,"arguments":[["a",1]]}',
    '{"result":0}',
    '{"result":1,"text":"nope","arguments":{"a":[[1,"t"]]}}',
    // whitespace everywhere Kea's printer puts it, and more
    ' \n{ "result" : 0 ,\t"arguments" : { "a" : [ [ 1 , "t" ] , [ 0 , "t" ] ] } }\r\n',
    // nested arguments inside other members are not the answer's
    '{"result":0,"other":{"arguments":{"q":[[9,"t"]]}},"arguments":{"a":[[1,"t"]]}}',
  ];
  for (const unix of cases) {
    assert.deepEqual(fromText(unix, false), reference(unix, false), unix);
    const http = `[ ${unix} ]`;
    assert.deepEqual(fromText(http, true), reference(http, true), http);
  }
  for (const [text, list] of [
    ['[]', true],
    ['[{"result":0,"arguments":{"a":[[1,"t"]]}},{"result":0}]', true],
    ['{"result":0,"arguments":{"a":[[1,"t"]]}}', true],
    ['{"result":401,"text":"Unauthorized"}', true],
    ['[{"result":0,"arguments":{"a":[[1,"t"]]}}]', false],
    ['3', false],
    ['"x"', true],
    ['{"result":0,"arguments":{"a":[[1,"t"]]}', false],
    ['{"result":0,"arguments":{"a":[[1,"t"]]}} x', false],
    ['{"arguments":{"a":[[01,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[1.,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[.5,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[1e,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[-,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[+1,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[0x10,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[1e+,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[--1,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[1.5e3,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[-0.0,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[1,"t"],[02,"t"]]},"result":0}', false],
    ['{"arguments":{"a":[[1,"t\u0001"]]},"result":0}', false],
    ['{"arguments":{"a":[[1,"t\\u0041"]]},"result":01}', false],
    ['{"arguments":{"a":[[1,"t"]]},"result":0,"text":"a\tb"}', false],
    ['{"arguments":{"a":[[1,"t"]]},"result":0,}', false],
    ['{"arguments":{"a":[[1,"t"],]},"result":0}', false],
    ['{"arguments":{"a":[[1,"t"]],},"result":0}', false],
    ['{"arguments":{"a":[[1,"t"]]}  ,"result":0}', false],
    ['{"arguments":{"a":[[1,"t"]] , "b" : [ [ 2 , "t" ] ] } , "result" : 0 }', false],
    ['{"arguments":{"a":[[1,"t",]]},"result":0}', false],
    ['{"arguments":{"a":[[1 "t"]]},"result":0}', false],
    ['{"arguments":{"a":[[1,"t"]] "b":[[1,"t"]]},"result":0}', false],
    ['', false],
    [`{"result":0,"arguments":${'['.repeat(200)}${']'.repeat(200)}}`, false],
    [`{"result":0,"arguments":{"${'n'.repeat(600)}":[[1,"t"]]}}`, false],
  ] as const) {
    assert.deepEqual(fromText(text, list), reference(text, list), text.slice(0, 80));
  }
});

test('fuzz: any body, as a UNIX map or an HTTP list, reads as the parsed answer does', () => {
  const isList = (b: Buffer) => b.toString('utf8').trimStart().startsWith('[');
  fc.assert(
    fc.property(bodyArb(), (body) => {
      const text = body.toString('utf8');
      for (const list of [false, isList(body)]) assert.deepEqual(fromText(text, list), reference(text, list));
    }),
    { numRuns: 1500 },
  );
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.tuple(fc.tuple(fc.double(), fc.string()))), { maxKeys: 20 }),
      fc.boolean(),
      (args, list) => {
        const map = JSON.stringify({ result: 0, arguments: args });
        const text = list ? `[${map}]` : map;
        assert.deepEqual(fromText(text, list), reference(text, list));
      },
    ),
    { numRuns: 1500 },
  );
});

test('a reader fed answer after answer gives what a fresh parse of each gives; unchanged statistics keep their sample object', () => {
  const reader = new StatisticsTextReader();
  const bodies = statisticCaptures.map((c) => [c.text, c.list] as const);
  for (const [text, list] of [...bodies, ...[...bodies].reverse(), ...bodies]) assert.deepEqual(fromText(text, list, reader), reference(text, list));
  const answer = (values: Record<string, number>) =>
    JSON.stringify({ arguments: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [[v, 't']]])), result: 0 });
  const read = (values: Record<string, number>) => reader.read(answer(values), false, 'x').statistics;
  const first = read({ 'subnet[1].assigned-addresses': 1, 'subnet[1].total-addresses': 10, 'pkt4-received': 5 });
  const second = read({ 'subnet[1].assigned-addresses': 2, 'subnet[1].total-addresses': 10, 'pkt4-received': 5 });
  // The same statistics in the same order: the very same list of scopes, new values.
  assert.equal(second.scopes, first.scopes);
  assert.notEqual(second.values, first.values);
  assert.deepEqual(samplesOf(second)[0], { name: 'subnet[1].assigned-addresses', stat: 'assigned-addresses', subnetId: 1, value: 2 });
  assert.deepEqual([...first.values], [1, 10, 5], 'what a snapshot holds is never written over');
  const third = read({ 'pkt4-received': 5 });
  const fourth = read({ 'subnet[1].total-addresses': 10, 'pkt4-received': 5 });
  assert.notEqual(third.scopes, first.scopes);
  assert.deepEqual(first.scopes.length, 3, 'a list a snapshot holds is never cut either');
  assert.equal(third.scopes[0], first.scopes[2]);
  // Met again after it was gone: its scope is the one daemons share.
  assert.equal(fourth.scopes[0], first.scopes[1]);
  // Listed in another order: each found by name, its scope kept; the list a new one.
  const general = reader.generalReads;
  const fifth = read({ 'pkt4-received': 5, 'subnet[1].total-addresses': 10 });
  assert.deepEqual(fifth.scopes, [fourth.scopes[1], fourth.scopes[0]]);
  assert.notEqual(fifth.scopes, fourth.scopes);
  assert.deepEqual([...fourth.values], [10, 5]);
  assert.equal(reader.generalReads, general);
});

test('a name read the general way (an escape in it) is never matched in place as raw text', () => {
  const reader = new StatisticsTextReader();
  const escaped = '{"arguments":{"a\\"b":[[1,"t"]]},"result":0}';
  const raw = '{"arguments":{"a"b":[[1,"t"]]},"result":0}';
  assert.deepEqual(fromText(escaped, false, reader), reference(escaped, false));
  assert.deepEqual(fromText(raw, false, reader), { code: 'parse' });
});

test('fuzz: one reader fed answer after answer (statistics coming, going, reordered, read the general way, cut off) gives what a fresh parse of each gives', () => {
  // Names from a small pool, so that answers share most of them, as a daemon's polls do.
  const pool = [
    'pkt4-received',
    'subnet[1].assigned-addresses',
    'subnet[1].total-addresses',
    'subnet[1].pool[0].assigned-addresses',
    'subnet[2].declined-addresses',
    'a\\"b',
    '7',
  ];
  const answerArb = fc.record({
    names: fc.shuffledSubarray(pool),
    values: fc.array(fc.integer({ min: -2, max: 3 }), { minLength: pool.length, maxLength: pool.length }),
    cut: fc.boolean(),
    list: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(answerArb, { minLength: 1, maxLength: 12 }), (answers) => {
      const reader = new StatisticsTextReader();
      const given: [StatColumns, StatColumns][] = [];
      for (const a of answers) {
        const args = a.names.map((name, i) => `"${name}": [ [ ${a.values[i]}, "t" ] ]`).join(', ');
        const map = `{ "arguments": { ${args} }, "result": 0 }`;
        let text = a.list ? `[ ${map} ]` : map;
        // Now and then an answer cut off: refused, and the next one read as if it were not there.
        if (a.cut && a.names.length > 2) text = text.slice(0, text.length >> 1);
        lastRead = undefined;
        const read = fromText(text, a.list, reader);
        assert.deepEqual(read, reference(text, a.list));
        // (Set by fromText: a cast, as TypeScript does not see the callee assign it.)
        const got = lastRead as StatColumns | undefined;
        if (got) given.push([got, { scopes: [...got.scopes], values: got.values.slice() }]);
      }
      // What a read gave (a snapshot holds it) never changes with the reads after it.
      for (const [columns, copy] of given) assert.deepEqual(columns, copy);
    }),
    { numRuns: 800 },
  );
});
