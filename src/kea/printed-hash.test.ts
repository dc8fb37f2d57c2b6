import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { keaConfigHash } from './printed-hash.js';
import { parseConfigGet, parseConfigHash } from './config-hash.js';
import { CAPTURES_DIR, captures } from '../../test/support/captures.js';
import { fixtureArgs } from '../../test/support/fixture-files.js';

const modern = captures('config-get').filter((c) => c.version !== '2.2.0');

test("Kea's rule over the raw config-get text gives each 2.6.3 / 3.0.4 capture's config-hash-get value", () => {
  assert.ok(modern.length >= 20, `only ${modern.length} captures`);
  let checked = 0;
  for (const c of modern) {
    const computed = keaConfigHash(c.text);
    assert.equal(computed, parseConfigGet(c.args).keaHash, `${c.version}/${c.file}: the hash config-get carries`);
    const name = c.file.replace(/\.config-get\.json$/, '.config-hash-get');
    if (!existsSync(`${CAPTURES_DIR}${c.version}/${name}.json`)) continue; // dhcp4-http-noauth: none taken
    assert.equal(computed, parseConfigHash(fixtureArgs(c.version as '2.6.3' | '3.0.4', name)), `${c.version}/${name}`);
    checked++;
  }
  assert.ok(checked >= 19, `${checked} config-hash-get captures compared`);
});

test('the same rule on 2.2.0 (no "hash" member): the arguments text as printed', () => {
  for (const c of captures('config-get').filter((x) => x.version === '2.2.0')) {
    const hash = keaConfigHash(c.text);
    assert.match(hash, /^[0-9A-F]{64}$/);
    const args = c.text.slice(c.text.indexOf('"arguments": ') + 13, c.text.lastIndexOf(', "result": 0'));
    assert.equal(hash, createHash('sha256').update(args).digest('hex').toUpperCase(), c.file);
  }
});

test('bare map or list, spacing and key order as written; the hash member dropped wherever it is', () => {
  const inner = '{ "Dhcp4": { "a": 1.0 } }';
  const one = keaConfigHash(`{ "arguments": ${inner}, "result": 0 }`);
  assert.equal(keaConfigHash(`[ { "arguments": { "Dhcp4": { "a": 1.0 }, "hash": "X" }, "result": 0 } ]`), one);
  assert.equal(keaConfigHash(`{ "result": 0, "arguments": { "hash": "X", "Dhcp4": { "a": 1.0 } } }`), one);
  assert.notEqual(keaConfigHash('{ "arguments": { "Dhcp4": { "a": 1 } }, "result": 0 }'), one, '1 and 1.0 print differently');
  assert.equal(keaConfigHash('{ "arguments": { "Dhcp4": { "s": "}\\"{" } }, "result": 0 }').length, 64);
  assert.throws(() => keaConfigHash('{ "result": 1, "text": "x" }'), /no arguments map/);
  assert.throws(() => keaConfigHash('{ "arguments": { "Dhcp4": { "a": [ 1'), /cut off/);
  assert.throws(() => keaConfigHash('"x"'), /not a map/);
});
