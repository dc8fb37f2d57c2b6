import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subnetFilter } from './subnet-filter.js';

test('statistics.subnets: no lists keep every id; allow keeps only its ids; deny wins over allow', () => {
  const all = subnetFilter(undefined);
  assert.deepEqual([1, 2, 3].map(all), [true, true, true]);
  const some = subnetFilter({ allow: [1, 2], deny: [2] });
  assert.deepEqual([1, 2, 3].map(some), [true, false, false]);
  const none = subnetFilter({ deny: [3] });
  assert.deepEqual([1, 2, 3].map(none), [true, true, false]);
});
