/** Property-based fuzzing of every parser of Kea answers, and of proxied request bodies
 * (issue 11): whatever the input, a parser returns or throws a KeaError with an expected code,
 * never anything else, and what it returns respects the caps of src/kea/limits.ts. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeaError, type ErrorCode } from '../../src/errors.js';
import { asAnswer, expectSuccess, unwrapList } from '../../src/kea/answer.js';
import { parseConfigGet, parseConfigHash } from '../../src/kea/config-hash.js';
import { keaConfigHash } from '../../src/kea/printed-hash.js';
import { MAX_HA_RELATIONSHIPS, MAX_HA_SCOPES, MAX_LABEL_CHARS, MAX_PERFMON_DURATIONS, MAX_SOCKET_ERRORS } from '../../src/kea/limits.js';
import { parsePerfmonDurations } from '../../src/kea/perfmon.js';
import { sharedConfig } from '../../src/kea/shared-config.js';
import { parseStatistics } from '../../src/kea/statistics/parse.js';
import { parseSubnets } from '../../src/kea/statistics/subnets.js';
import { parseStatus } from '../../src/kea/status.js';
import { parseVersion } from '../../src/kea/version.js';
import { parseCommand } from '../../src/proxy/body.js';
import { parseBody, serializeCommand } from '../../src/transport/transport.js';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bodyArb, CAPTURES, deepText, mutate, mutatedCapture, mutationArb, type Capture, type Command } from './arbitraries.js';

/** Cases per property; the sum over test/fuzz is printed as a diagnostic (>= 10,000 in all). */
export const RUNS = {
  body: 1500,
  answer: 1000,
  status: 1500,
  statistics: 1000,
  config: 1000,
  perfmon: 800,
  version: 600,
  hash: 600,
  printed: 800,
  command: 1500,
};

/** Outcomes of the property running now: 'ok' or the error code, with counts. */
let tally = new Map<string, number>();
const note = (k: string): void => void tally.set(k, (tally.get(k) ?? 0) + 1);

/** Runs fn; a throw must be a KeaError with one of `codes`. Returns the code, or undefined. */
function only(codes: readonly ErrorCode[], fn: () => void): ErrorCode | undefined {
  try {
    fn();
    note('ok');
    return undefined;
  } catch (err) {
    if (!(err instanceof KeaError)) throw new Error(`threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
    assert.ok(codes.includes(err.code), `unexpected code ${err.code}: ${err.message}`);
    note(err.code);
    return err.code;
  }
}

/** Runs a property and checks the generators reached each outcome in `expect` (so that the
 * fuzz cannot pass by never getting past the first check); reports the outcomes. */
function fuzz(t: TestContext, expect: readonly string[], run: () => void): void {
  tally = new Map();
  const cpu = process.cpuUsage();
  run();
  const used = process.cpuUsage(cpu);
  const seen = [...tally].map(([k, n]) => `${k} ${n}`).join(', ');
  t.diagnostic(`cpu ${((used.user + used.system) / 1e6).toFixed(2)} s; outcomes: ${seen}`);
  for (const k of expect) assert.ok(tally.has(k), `no case reached "${k}" (${seen})`);
}

/** The arguments of a (maybe mutated, maybe list-wrapped) answer, as the poller would get them. */
function argsOf(v: unknown): unknown {
  const a: unknown = Array.isArray(v) ? v[0] : v;
  return a !== null && typeof a === 'object' && !Array.isArray(a) ? (a as { arguments?: unknown }).arguments : a;
}

/** Arguments for a command: mutated real ones mostly, arbitrary JSON sometimes. */
const argsArb = (command: Command): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 5, arbitrary: mutatedCapture((c) => c.command === command).map((m) => argsOf(m.value)) },
    { weight: 1, arbitrary: fc.jsonValue({ depthSize: 'medium', maxDepth: 10 }) },
  );

const isLabel = (s: string | undefined): boolean => s === undefined || s.length <= MAX_LABEL_CHARS;

test('every command has real captures to start from', () => {
  for (const c of ['status-get', 'statistic-get-all', 'config-get', 'version-get', 'config-hash-get'] as const) {
    assert.ok(CAPTURES.filter((x) => x.command === c).length >= 5, c);
  }
});

test('parseBody: any bytes give a value, or closed / parse / too_deep', (t) => {
  fuzz(t, ['ok', 'closed', 'parse', 'too_deep'], () =>
    fc.assert(
      fc.property(bodyArb(), (buf) => {
        only(['closed', 'parse', 'too_deep'], () => parseBody(buf.toString('utf8'), 'fuzz'));
      }),
      { numRuns: RUNS.body },
    ),
  );
});

/** The code parseBody throws for a text ('ok' when it parses). */
function bodyCode(text: string): string {
  try {
    parseBody(text, 'fuzz');
    return 'ok';
  } catch (err) {
    if (!(err instanceof KeaError)) throw err;
    return err.code;
  }
}

/** Cut at every byte (the cost grows with the square of the size): the smallest capture of each
 * version, command and framing (error answers too: 37 in all, 40 bytes to 2.6 KB), and Kea 3's
 * largest status-get (HA hub: nested relationships, every kind of value). The bodyArb fuzz cuts
 * the larger ones at random places. */
const CUT_CAPTURES = ((): Capture[] => {
  const smallest = new Map<string, Capture>();
  for (const c of CAPTURES) {
    const key = `${c.file.replace(/[^/]+$/, '')} ${c.command} ${c.list}`;
    if ((smallest.get(key)?.text.length ?? Infinity) > c.text.length) smallest.set(key, c);
  }
  const largest = (pick: (c: Capture) => boolean): Capture => CAPTURES.filter(pick).reduce((a, b) => (b.text.length > a.text.length ? b : a));
  return [...smallest.values(), largest((c) => c.command === 'status-get' && c.file.includes('3.0.4'))];
})();

test('parseBody: a real answer cut off at any byte is closed; the same cut followed by garbage is parse', (t) => {
  let cuts = 0;
  for (const c of CUT_CAPTURES) {
    const buf = Buffer.from(c.text);
    const end = Buffer.byteLength(c.text.trimEnd());
    for (let k = 0; k < end; k++) {
      // Wherever the cut falls: in a key, a string, an escape, a number, a literal, a UTF-8 sequence.
      const cut = buf.subarray(0, k).toString('utf8');
      assert.equal(bodyCode(cut), 'closed', `${c.file} cut at byte ${k}`);
      // NUL belongs nowhere in JSON, inside strings or out.
      assert.equal(bodyCode(`${cut}\u0000`), 'parse', `${c.file} cut at byte ${k}, then garbage`);
      cuts++;
    }
    assert.deepEqual(parseBody(c.text, 'fuzz'), c.value, c.file);
  }
  t.diagnostic(`${CUT_CAPTURES.length} captures, ${cuts} cuts`);
});

test("parseBody: closed, parse and too_deep never depend on JSON.parse's messages (they change between V8 versions)", () => {
  const answer = CAPTURES.find((c) => c.command === 'status-get' && c.list)!.text;
  const garbage = [
    'this is not JSON \u0000\u00ff<html>',
    '<html><body>502 Bad Gateway</body></html>',
    'HTTP/1.1 200 OK\r\n\r\n',
    'NaN',
    "{'result': 0}",
    `${answer.trimEnd()}x`,
    `${answer.trimEnd()}${answer}`,
    answer.replace(':', '='),
    answer.replace('"', "'"),
    `${answer.slice(0, 40)}}}}`,
  ];
  const cut = [answer.slice(0, answer.length >> 1), answer.slice(0, 1), answer.trimEnd().slice(0, -1), ' \n'];
  const real = JSON.parse;
  try {
    // A parser whose errors say anything at all, or nothing.
    for (const message of ['Unexpected end of JSON input', 'Unterminated string in JSON at position 999999', 'Unexpected token } in JSON at position 0', '']) {
      JSON.parse = () => {
        throw new SyntaxError(message);
      };
      for (const g of garbage) assert.equal(bodyCode(g), 'parse', `${JSON.stringify(g.slice(0, 60))} with "${message}"`);
      for (const c of cut) assert.equal(bodyCode(c), 'closed', `${JSON.stringify(c.slice(-30))} with "${message}"`);
      assert.equal(bodyCode(`{"a":${'['.repeat(300)}`), 'too_deep');
    }
  } finally {
    JSON.parse = real;
  }
  for (const g of garbage) assert.equal(bodyCode(g), 'parse');
  assert.equal(bodyCode(answer), 'ok');
});

test("keaConfigHash (2.2's computed hash): any body that parses gives a hash or bad_answer, never another throw", (t) => {
  fuzz(t, ['ok', 'bad_answer'], () =>
    fc.assert(
      fc.property(bodyArb(), (buf) => {
        const text = buf.toString('utf8');
        try {
          parseBody(text, 'fuzz'); // the poller hashes only text that parsed, within the caps
        } catch {
          return;
        }
        only(['bad_answer'], () => assert.match(keaConfigHash(text), /^[0-9A-F]{64}$/));
      }),
      { numRuns: RUNS.printed },
    ),
  );
});

test('asAnswer / unwrapList / expectSuccess: a coded answer error, never another throw', (t) => {
  const codes: ErrorCode[] = ['bad_answer', 'bad_request', 'unauthorized', 'forbidden', 'forward', 'unsupported', 'kea_error'];
  fuzz(t, ['ok', 'bad_answer', 'kea_error'], () =>
    fc.assert(
      fc.property(
        fc.oneof(
          mutatedCapture().map((m) => m.value),
          fc.jsonValue({ maxDepth: 6 }),
        ),
        fc.integer({ min: 0, max: 3 }),
        (body, n) => {
          only(codes, () => {
            const answers = Array.isArray(body) ? unwrapList(body, n, 'fuzz') : [asAnswer(body, 'fuzz')];
            for (const a of answers) {
              assert.ok(Number.isInteger(a.result));
              expectSuccess(a, 'fuzz');
            }
          });
        },
      ),
      { numRuns: RUNS.answer },
    ),
  );
});

test('parseStatus: a Status within every cap, or bad_answer / limit', (t) => {
  fuzz(t, ['ok', 'bad_answer', 'limit'], () =>
    fc.assert(
      fc.property(argsArb('status-get'), (args) => {
        only(['bad_answer', 'limit'], () => {
          const s = parseStatus(args);
          assert.ok([s.pid, s.uptime, s.reload].every(Number.isFinite));
          assert.ok(s.ha.length <= MAX_HA_RELATIONSHIPS);
          assert.ok((s.sockets?.errors.length ?? 0) <= MAX_SOCKET_ERRORS);
          for (const r of s.ha) {
            assert.ok(r.local.scopes.length <= MAX_HA_SCOPES);
            for (const l of [
              r.mode,
              r.relationship,
              r.local.role,
              r.local.state,
              r.local.serverName,
              r.remote?.role,
              r.remote?.lastState,
              r.remote?.serverName,
            ]) {
              assert.ok(isLabel(l), `label of ${l?.length} characters`);
            }
            if (r.remote) assert.ok([r.remote.age, r.remote.analyzedPackets, r.remote.unackedClients].every(Number.isFinite));
          }
        });
      }),
      { numRuns: RUNS.status },
    ),
  );
});

test('parseStatistics: finite samples with integer scope ids, or limit', (t) => {
  fuzz(t, ['ok'], () =>
    fc.assert(
      fc.property(argsArb('statistic-get-all'), (args) => {
        only(['limit'], () => {
          for (const s of parseStatistics(args)) {
            assert.equal(typeof s.stat, 'string');
            assert.ok(Number.isFinite(s.value), `value ${s.value}`);
            for (const id of [s.subnetId, s.poolId, s.pdPoolId]) assert.ok(id === undefined || Number.isSafeInteger(id));
          }
        });
      }),
      { numRuns: RUNS.statistics },
    ),
  );
});

test('parseConfigGet + sharedConfig + parseSubnets: hashes, subnets, or bad_answer / too_deep / limit', (t) => {
  fuzz(t, ['ok', 'bad_answer', 'too_deep'], () =>
    fc.assert(
      fc.property(argsArb('config-get'), (args) => {
        only(['bad_answer', 'too_deep', 'limit'], () => {
          const info = parseConfigGet(args);
          assert.ok(isLabel(info.keaHash));
        });
        only(['too_deep'], () => {
          const shared = sharedConfig(args);
          if (shared) assert.match(shared.hash, /^[0-9A-F]{64}$/);
        });
        for (const [id, s] of parseSubnets(args)) {
          assert.ok(Number.isSafeInteger(id) && id >= 0);
          assert.equal(s.pools.length, s.poolIds.length);
          assert.equal(s.pdPools.length, s.pdPoolIds.length);
        }
      }),
      { numRuns: RUNS.config },
    ),
  );
});

test('parseVersion: a label-sized version, or bad_answer / limit', (t) => {
  const answers = fc.oneof(
    {
      weight: 4,
      arbitrary: mutatedCapture((c) => c.command === 'version-get').map((m): unknown => (Array.isArray(m.value) ? (m.value as unknown[])[0] : m.value)),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        result: fc.integer({ min: -1, max: 5 }),
        text: fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
        arguments: fc.jsonValue({ maxDepth: 3 }),
      }),
    },
    // A version-like word of any length: around MAX_LABEL_CHARS.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('2.2.0', '2.6.3', '3.0.4'), fc.nat({ max: 2 * MAX_LABEL_CHARS }))
        .map(([v, n]) => ({ result: 0, text: v.padEnd(n, '9') })),
    },
  );
  fuzz(t, ['ok', 'bad_answer', 'limit'], () =>
    fc.assert(
      fc.property(answers, (v) => {
        only(['bad_answer', 'limit'], () => {
          const a = asAnswer(v, 'fuzz');
          const version = parseVersion(a);
          assert.ok(isLabel(version) && /^\d+\.\d+/.test(version));
        });
      }),
      { numRuns: RUNS.version },
    ),
  );
});

test('parseConfigHash: a label-sized hash, or bad_answer / limit', (t) => {
  const hashes = fc.oneof(
    argsArb('config-hash-get'),
    fc.nat({ max: 2 * MAX_LABEL_CHARS }).map((n) => ({ hash: 'A'.repeat(n) })),
  );
  fuzz(t, ['ok', 'bad_answer', 'limit'], () =>
    fc.assert(
      fc.property(hashes, (args) => {
        only(['bad_answer', 'limit'], () => assert.ok(isLabel(parseConfigHash(args))));
      }),
      { numRuns: RUNS.hash },
    ),
  );
});

test('proxied request bodies (parseCommand): a command or undefined, never a throw; what it accepts always serialises (deep bodies are refused first)', (t) => {
  const bodies = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record({
          command: fc.oneof(fc.constantFrom('status-get', 'config-get', 'lease4-get-all'), fc.string()),
          service: fc.option(fc.array(fc.constantFrom('dhcp4', 'dhcp6', 'd2')), { nil: undefined }),
          arguments: fc.option(fc.jsonValue({ depthSize: 'medium', maxDepth: 8 }), { nil: undefined }),
        })
        .map((v) => JSON.stringify(v)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 100, max: 6000 }), fc.boolean())
        .map(([n, mixed]) => `{"command":"status-get","arguments":{"a":${deepText(n, mixed)}}}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 200 }), fc.constantFrom('# c\n', '// c\n', '/* c */', ''))
        .map(([s, comment]) => `${comment}{"command": ${JSON.stringify(s)}, ${comment} "arguments": {}}`),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 300, unit: 'binary' }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('utf8')) },
  );
  fuzz(t, ['ok', 'undefined'], () =>
    fc.assert(
      fc.property(bodies, (text) => {
        let cmd: ReturnType<typeof parseCommand>;
        try {
          cmd = parseCommand(text);
        } catch (err) {
          if (!(err instanceof KeaError)) throw err;
          return note(`refused ${err.code}`); // a coded refusal is an answer too
        }
        if (!cmd) return note('undefined');
        assert.equal(typeof cmd.command, 'string');
        // body.ts bounds depth (64) below the transport's (256): nothing accepted is refused later.
        only([], () => assert.equal(typeof serializeCommand(cmd, 'fuzz'), 'string'));
      }),
      { numRuns: RUNS.command },
    ),
  );
});

/** PerfMon's real answers (test/fixtures/kea/perfmon: 3.0.4 before and after traffic, 2.6.3's
 * refusal), read apart from CAPTURES: no other parser reads them. */
const PERFMON_ANSWERS: unknown[] = ['2.6.3', '3.0.4'].flatMap((v) => {
  const dir = fileURLToPath(new URL(`../fixtures/kea/perfmon/${v}/`, import.meta.url));
  return readdirSync(dir)
    .filter((f) => f.includes('perfmon-get-all-durations'))
    .map((f): unknown => JSON.parse(readFileSync(dir + f, 'utf8')));
});

test('parsePerfmonDurations: counts, label-sized names and a width in seconds, or bad_answer / limit / unsupported / kea_error', (t) => {
  const answers = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...PERFMON_ANSWERS), fc.array(mutationArb, { maxLength: 4 })).map(([a, ms]) => mutate(a, ms)) },
    { weight: 1, arbitrary: fc.record({ result: fc.integer({ min: -1, max: 5 }), arguments: fc.jsonValue({ maxDepth: 4 }) }) },
  );
  fuzz(t, ['ok', 'bad_answer', 'unsupported'], () =>
    fc.assert(
      fc.property(answers, (v) => {
        only(['bad_answer', 'limit', 'unsupported', 'kea_error'], () => {
          const a = parsePerfmonDurations(asAnswer(v, 'fuzz'), 'fuzz');
          assert.ok(Number.isInteger(a.intervalWidthSecs) && a.intervalWidthSecs >= 1);
          assert.ok(a.durations.length <= MAX_PERFMON_DURATIONS);
          for (const d of a.durations) {
            assert.ok([d.occurrences, d.totalUsecs, d.maxUsecs, d.subnetId].every((n) => Number.isSafeInteger(n) && n >= 0));
            assert.ok([d.query, d.response, d.stage].every((x) => x.length > 0 && isLabel(x)));
          }
        });
      }),
      { numRuns: RUNS.perfmon },
    ),
  );
});
