import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeaError, toKeaError } from './errors.js';

test("a KeaError passes through; anything else is the exporter's bug (internal), never connect", () => {
  const k = new KeaError('timeout', 't');
  assert.equal(toKeaError(k), k);
  assert.equal(toKeaError(new RangeError('Maximum call stack size exceeded')).code, 'internal');
  assert.equal(toKeaError('text').code, 'internal');
  assert.equal(toKeaError(null).message, 'null');
  const hostile = {
    toString() {
      throw new Error('no');
    },
  };
  assert.equal(toKeaError(hostile).code, 'internal');
});
