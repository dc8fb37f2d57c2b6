import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../fixtures/kea/captures/', import.meta.url));

test('the fuzz seeds in test/fixtures/kea/captures are byte-identical to the shared captures', (t) => {
  for (const version of ['2.6.3', '3.0.4']) {
    const shared = `/work/shared/kea/${version}`;
    if (!existsSync(shared)) return t.skip('shared captures not present');
    const files = readdirSync(join(root, version));
    assert.ok(files.length > 40, version);
    for (const f of files) assert.deepEqual(readFileSync(join(root, version, f)), readFileSync(join(shared, f)), `${version}/${f}`);
  }
});
