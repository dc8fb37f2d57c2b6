import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLabel } from './commands.js';

test('labels: catalog names as they are, everything else `other`, no command `none`', () => {
  assert.equal(commandLabel('lease4-wipe'), 'lease4-wipe');
  assert.equal(commandLabel('status-get'), 'status-get');
  assert.equal(commandLabel(undefined), 'none');
  for (const c of ['lease4-x1', 'reservation-get', 'other', 'none', 'constructor', '__proto__', 'STATUS-GET']) assert.equal(commandLabel(c), 'other', c);
});
