import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { hashPublisher, PUBLISHED_HASH_LENGTH } from './published-hash.js';

const kea = createHash('sha256').update('{ "Dhcp4": { } }').digest('hex').toUpperCase();

test('the same key publishes the same value for the same hash; another hash, another value', () => {
  const a = hashPublisher('k'.repeat(32));
  const b = hashPublisher('k'.repeat(32));
  assert.equal(a(kea), b(kea));
  assert.notEqual(a(kea), a(kea.replace(/^./, '0')));
  assert.match(a(kea), new RegExp(`^[0-9a-f]{${PUBLISHED_HASH_LENGTH}}$`));
});

test('another key publishes an unrelated value, and never the hash itself', () => {
  const a = hashPublisher('first-key-0123456789');
  const b = hashPublisher('second-key-0123456789');
  assert.notEqual(a(kea), b(kea));
  assert.ok(!kea.toLowerCase().includes(a(kea)));
});
