import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { CAPTURES_DIR, CAPTURE_VERSIONS, captures } from './captures.js';

test('the captures are byte-identical to the shared copies, and every shared one is here', (t) => {
  if (!existsSync('/work/shared/kea/2.2.0')) return t.skip('shared captures not present');
  for (const v of CAPTURE_VERSIONS) {
    const shared = readdirSync(`/work/shared/kea/${v}`).filter((f) => /\.(config-get|list-commands)\.json$/.test(f));
    assert.deepEqual(readdirSync(`${CAPTURES_DIR}${v}`).sort(), shared.sort(), v);
    for (const f of shared) assert.deepEqual(readFileSync(`${CAPTURES_DIR}${v}/${f}`), readFileSync(`/work/shared/kea/${v}/${f}`), `${v}/${f}`);
  }
});

test('captures(): config-get and list-commands of every version, arguments unwrapped', () => {
  const configs = captures('config-get');
  const lists = captures('list-commands');
  assert.equal(configs.length, 25);
  assert.equal(lists.length, 15);
  for (const v of CAPTURE_VERSIONS) assert.ok(configs.some((c) => c.version === v) && lists.some((c) => c.version === v), v);
  for (const c of configs) assert.equal(typeof c.args, 'object', c.file);
  for (const c of lists) assert.ok(Array.isArray(c.args), c.file);
});
