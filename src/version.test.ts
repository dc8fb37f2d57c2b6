import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MIN_NODE_MAJOR, VERSION, unsupportedRuntime } from './version.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; engines: { node: string } };

test("the version and the oldest supported Node.js major are package.json's", () => {
  assert.equal(VERSION, pkg.version);
  assert.equal(`>=${MIN_NODE_MAJOR}`, pkg.engines.node);
  assert.ok(MIN_NODE_MAJOR >= 24, 'Node.js 24 LTS at least');
});

test('a too-old runtime is named in one line; a supported one passes', () => {
  const old = `${MIN_NODE_MAJOR - 4}.20.2`;
  assert.equal(unsupportedRuntime(old, '/usr/bin/node'), `kea-telemetry needs Node.js ${MIN_NODE_MAJOR} or newer; /usr/bin/node is ${old}`);
  assert.equal(unsupportedRuntime(`${MIN_NODE_MAJOR}.0.0`, '/x'), undefined);
  assert.equal(unsupportedRuntime(`${MIN_NODE_MAJOR + 2}.1.0`, '/x'), undefined);
  assert.equal(unsupportedRuntime(process.versions.node), undefined, 'the tests run on a supported Node');
});
