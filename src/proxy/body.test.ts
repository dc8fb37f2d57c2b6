import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_BODY_DEPTH, parseBody, parseCommand, withinDepth } from './body.js';
import { captures } from '../../test/support/captures.js';

/** The 10 KB body: 5,000 nested lists inside the arguments of a read-only command. */
const DEEP_BODY = `{"command":"status-get","arguments":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`;

/** Depth of a parsed value as the scan counts it: each object or array is one level. */
function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  return 1 + Math.max(0, ...Object.values(v).map(depthOf));
}

test("the issue's 5,000-deep body is refused before any parser; 64 levels pass, 65 do not", () => {
  assert.ok(DEEP_BODY.length > 10_000 && DEEP_BODY.length < 10_100);
  assert.equal(parseCommand(DEEP_BODY), undefined);
  const nested = (n: number) => `{"command":"status-get","arguments":{"a":${'['.repeat(n)}${']'.repeat(n)}}}`;
  // Body object and arguments are two levels.
  assert.ok(parseCommand(nested(MAX_BODY_DEPTH - 2)));
  assert.equal(parseCommand(nested(MAX_BODY_DEPTH - 1)), undefined);
  assert.equal(parseCommand(nested(3), 4), undefined);
  assert.ok(parseCommand(nested(2), 4));
});

test('brackets inside strings and comments do not count; brackets after them do', () => {
  const deepText = '['.repeat(200);
  assert.ok(parseCommand(JSON.stringify({ command: 'status-get', arguments: { s: deepText, q: '"\\"[[[', r: "'[[" } })));
  assert.ok(parseCommand(`{ "command": "status-get", // ${deepText}\n # ${deepText}\n /* ${deepText} */ "arguments": { 'k': '${deepText}' } }`));
  assert.equal(withinDepth(`"\\"" ${'['.repeat(5)}`, 4), false);
  assert.equal(withinDepth(`'a"' ${'['.repeat(5)}`, 4), false);
  assert.equal(withinDepth(`/* x */ ${'['.repeat(5)}`, 4), false);
  assert.equal(withinDepth(`# x\n${'['.repeat(5)}`, 4), false);
  assert.equal(withinDepth(`// x\r${'{'.repeat(5)}`, 4), false);
  // Unterminated strings and comments end the text: nothing after them is structure.
  assert.equal(withinDepth(`"${'['.repeat(9)}`, 4), true);
  assert.equal(withinDepth(`/*${'['.repeat(9)}`, 4), true);
});

test('every real Kea config-get capture nests at most 11 levels, far under the bound', () => {
  let deepest = 0;
  let files = 0;
  for (const { file, text } of captures('config-get')) {
    const d = depthOf(JSON.parse(text));
    assert.equal(withinDepth(text, d), true, file);
    assert.equal(withinDepth(text, d - 1), false, file);
    deepest = Math.max(deepest, d);
    files++;
  }
  assert.ok(files >= 20, `${files} captures`);
  assert.equal(deepest, 11);
  assert.ok(deepest * 4 < MAX_BODY_DEPTH);
});

test('property: the scan agrees with the parsed depth of any JSON text', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 12 }), fc.boolean(), (v, pretty) => {
      const text = JSON.stringify(v, null, pretty ? 2 : undefined);
      const d = depthOf(JSON.parse(text));
      return withinDepth(text, d) && (d === 0 || !withinDepth(text, d - 1));
    }),
    { numRuns: 2000 },
  );
});

test('property: parseCommand never throws, and accepts nothing deeper than its bound', () => {
  const chunk = fc.constantFrom('[', ']', '{', '}', '"', "'", '\\', '//', '/*', '*/', '#', '\n', ',', ':', '"command":"status-get"', '"arguments":', '1');
  fc.assert(
    fc.property(fc.array(chunk, { maxLength: 200 }), fc.integer({ min: 1, max: 8 }), (parts, max) => {
      const cmd = parseCommand(`{${parts.join('')}`, max);
      return cmd === undefined || depthOf(cmd) <= max;
    }),
    { numRuns: 3000 },
  );
});

test("parseBody: Kea's answers to JSON that is no command, in the agent's order of checks (issue 12)", () => {
  const bad = (text: string) => {
    const p = parseBody(text, 16);
    assert.equal(p.kind, 'invalid', text);
    return (p as { text: string }).text;
  };
  const pre = 'Error during command processing: invalid command: ';
  assert.equal(bad('{}'), `${pre}does not contain mandatory 'command'`);
  assert.equal(bad('[]'), `${pre}expected toplevel entry to be a map, got list instead`);
  assert.equal(bad(' 5 '), `${pre}expected toplevel entry to be a map, got integer instead`);
  assert.equal(bad('5e2'), `${pre}expected toplevel entry to be a map, got real instead`);
  assert.equal(bad('"x"'), `${pre}expected toplevel entry to be a map, got string instead`);
  assert.equal(bad('{"command": {"a": 1}}'), `${pre}expected 'command' to be a string, got map instead`);
  // The first unknown key in byte order, checked before service.
  assert.equal(bad('{"command": "x", "zz": 1, "b": 2, "service": "dhcp4"}'), `${pre}unsupported parameter 'b'`);
  assert.equal(bad('{"command": "x", "service": null}'), 'service value must be a list');
  assert.equal(bad(''), 'Command processing failed: NULL command parameter');
  assert.deepEqual(parseBody('{"command": "status-get", "remote-address": "192.0.2.1"}', 16), { kind: 'command', cmd: { command: 'status-get' }, named: true });
  assert.deepEqual(parseBody('{"command": "Foo Bar"}', 16), { kind: 'command', cmd: { command: 'Foo Bar' }, named: false });
  for (const refused of ['not json', ' ', '{"command": "x", "service": ["a", "b", "c"]}', '{"command": "x", "arguments": []}']) {
    assert.deepEqual(parseBody(refused, 2), { kind: 'refused' }, refused);
  }
});
