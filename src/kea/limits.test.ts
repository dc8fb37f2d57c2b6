/** Issue 11 item 4 and the deep-nesting minor, parser side: past a cap of src/kea/limits.ts a
 * parser refuses with a coded KeaError (limit, too_deep, bad_answer), before building anything
 * from the excess, and never with an exception of its own (RangeError, TypeError). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeaError, type ErrorCode } from '../errors.js';
import { parseBody } from '../transport/transport.js';
import { fixtureArgs } from '../../test/support/fixture-files.js';
import { asAnswer, unwrapList } from './answer.js';
import { canonicalJson, parseConfigGet, parseConfigHash } from './config-hash.js';
import { keaConfigHash } from './printed-hash.js';
import { answerCap, MAX_DEPTH, MAX_HA_RELATIONSHIPS, MAX_HA_SCOPES, MAX_LABEL_CHARS, MAX_SOCKET_ERRORS, MAX_STAT_NAME_CHARS } from './limits.js';
import { parseStatistics } from './statistics/parse.js';
import { sharedConfig } from './shared-config.js';
import { parseStatus } from './status.js';
import { parseVersion } from './version.js';

function code(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KeaError, `a KeaError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('did not throw');
}

/** What the edits below reach in a captured HA relationship. */
interface Relationship {
  'ha-mode': unknown;
  'ha-servers': Record<'local' | 'remote', Record<string, unknown>>;
}

/** The real 2.6.3 hub's status-get with `n` copies of its first relationship. */
function hub(n: number, edit: (rel: Relationship) => void = () => {}): Record<string, unknown> {
  const args = structuredClone(fixtureArgs('2.6.3', 'dhcp4-ha-hub.status-get')) as { 'high-availability': Relationship[] };
  const rel = args['high-availability'][0]!;
  edit(rel);
  return { ...args, 'high-availability': Array.from({ length: n }, () => rel) };
}

function deep(levels: number): unknown {
  let v: unknown = {};
  for (let i = 1; i < levels; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

test('answer caps: small ones for status-get, version-get, config-hash-get; none (poll.maxAnswerBytes) for the rest', () => {
  assert.equal(answerCap('status-get'), 1 << 20);
  assert.equal(answerCap('version-get'), 64 << 10);
  assert.equal(answerCap('config-hash-get'), 64 << 10);
  assert.equal(answerCap('config-get'), undefined);
  assert.equal(answerCap('statistic-get-all'), undefined);
  assert.equal(answerCap('constructor'), undefined, 'not a prototype key');
});

test('HA relationships: up to the cap parsed, one more refused with limit (10,000 and 100,000 too)', () => {
  assert.equal(parseStatus(hub(MAX_HA_RELATIONSHIPS)).ha.length, MAX_HA_RELATIONSHIPS);
  assert.equal(
    code(() => parseStatus(hub(MAX_HA_RELATIONSHIPS + 1))),
    'limit',
  );
  assert.equal(
    code(() => parseStatus(hub(10_000))),
    'limit',
  );
  // 100,000 entries that are not even maps: refused on the count alone, nothing built.
  const args = hub(1);
  args['high-availability'] = new Array(100_000).fill(0);
  assert.equal(
    code(() => parseStatus(args)),
    'limit',
  );
});

test('scopes per relationship and socket errors are capped', () => {
  const scopes = (n: number) => hub(1, (rel) => (rel['ha-servers'].local.scopes = Array.from({ length: n }, (_, i) => `s${i}`)));
  assert.equal(parseStatus(scopes(MAX_HA_SCOPES)).ha[0]!.local.scopes.length, MAX_HA_SCOPES);
  assert.equal(
    code(() => parseStatus(scopes(MAX_HA_SCOPES + 1))),
    'limit',
  );
  const sockets = (n: number) => ({ ...hub(1), sockets: { status: 'failed', errors: new Array(n).fill('Failed to open socket') } });
  assert.equal(parseStatus(sockets(MAX_SOCKET_ERRORS)).sockets?.errors.length, MAX_SOCKET_ERRORS);
  assert.equal(
    code(() => parseStatus(sockets(MAX_SOCKET_ERRORS + 1))),
    'limit',
  );
});

test('every string that becomes a label value is capped', () => {
  const long = 'x'.repeat(MAX_LABEL_CHARS + 1);
  const edits: ((rel: Relationship) => void)[] = [
    (rel) => (rel['ha-mode'] = long),
    (rel) => (rel['ha-servers'].local.role = long),
    (rel) => (rel['ha-servers'].local.state = long),
    (rel) => (rel['ha-servers'].local['server-name'] = long),
    (rel) => (rel['ha-servers'].remote.role = long),
    (rel) => (rel['ha-servers'].remote['last-state'] = long),
    (rel) => (rel['ha-servers'].remote['server-name'] = long),
  ];
  for (const edit of edits)
    assert.equal(
      code(() => parseStatus(hub(1, edit))),
      'limit',
    );
  const ok = 'y'.repeat(MAX_LABEL_CHARS);
  assert.equal(parseStatus(hub(1, (rel) => (rel['ha-servers'].remote['server-name'] = ok))).ha[0]!.relationship, ok);
  assert.equal(
    code(() => parseVersion({ result: 0, text: `2.6.${'9'.repeat(5_000_000)}` })),
    'limit',
  );
  assert.equal(
    code(() => parseVersion({ result: 0, arguments: { extended: `3.0.${'1'.repeat(MAX_LABEL_CHARS)} (tarball)` } })),
    'limit',
  );
  assert.equal(
    code(() => parseConfigHash({ hash: 'A'.repeat(MAX_LABEL_CHARS + 1) })),
    'limit',
  );
  assert.equal(
    code(() => parseConfigGet({ Dhcp4: {}, hash: 'A'.repeat(MAX_LABEL_CHARS + 1) })),
    'limit',
  );
});

test('nesting: parseBody refuses past MAX_DEPTH with too_deep, before JSON.parse; real depth passes', () => {
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  assert.deepEqual(parseBody(`{ "result": 0, "arguments": ${nested(MAX_DEPTH - 1)} }`, 'x'), {
    result: 0,
    arguments: JSON.parse(nested(MAX_DEPTH - 1)) as unknown,
  });
  assert.equal(
    code(() => parseBody(`{ "result": 0, "arguments": ${nested(MAX_DEPTH)} }`, 'x')),
    'too_deep',
  );
  assert.equal(
    code(() => parseBody(nested(5_000_000), 'x')),
    'too_deep',
  );
});

test('nesting: the config hash and the shared hash give too_deep, never a stack overflow (was: reason connect)', () => {
  assert.equal(
    code(() => canonicalJson(deep(5000))),
    'too_deep',
  );
  assert.equal(
    code(() => sharedConfig({ Dhcp4: { 'user-context': deep(5000) } })),
    'too_deep',
  );
  // Kea's rule (2.2's computed hash) walks the text without recursion: any depth is only work.
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  assert.match(keaConfigHash(`{ "arguments": { "Dhcp4": { "user-context": ${nested(100_000)} } }, "result": 0 }`), /^[0-9A-F]{64}$/);
});

test('malformed answers are bad_answer without echoing them (deep ones made JSON.stringify throw)', () => {
  const secretive = { Dhcp4: { password: 'hunter2', deep: deep(5000) } };
  for (const body of [secretive, [secretive], 'x', null, 7, { result: 'zero' }, { result: 1.5 }]) {
    try {
      asAnswer(body, 'config-get');
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof KeaError && err.code === 'bad_answer', String(err));
      assert.doesNotMatch(err.message, /hunter2/);
    }
  }
  assert.equal(
    code(() => unwrapList(secretive, 1, 'x')),
    'bad_answer',
  );
  assert.equal(
    code(() => parseVersion({ result: 0, arguments: { extended: 7, deep: deep(5000) } })),
    'bad_answer',
  );
  assert.equal(
    code(() => parseConfigGet('Dhcp4')),
    'bad_answer',
  );
  assert.equal(
    code(() => parseConfigGet(42)),
    'bad_answer',
  );
});

test('statistic names past MAX_STAT_NAME_CHARS refuse the answer (limit); real ones pass', () => {
  const ok = 'subnet[1].perfmon.discover-offer.socket_received-buffer_read.mean-usecs';
  assert.equal(parseStatistics({ [ok]: [[1, 't']] }).length, 1);
  assert.equal(
    code(() => parseStatistics({ [`key[${'k'.repeat(MAX_STAT_NAME_CHARS)}].update-sent`]: [[1, 't']] })),
    'limit',
  );
});
