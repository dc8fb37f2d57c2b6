import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentServices, configKind } from './config-kind.js';
import { captures } from '../../test/support/captures.js';

const KIND_BY_PREFIX = [
  [/^ca\./, 'ca'],
  [/^d2/, 'd2'],
  [/^dhcp6/, 'dhcp6'],
  [/^dhcp4/, 'dhcp4'],
] as const;

test('configKind: every real config-get (2.2.0, 2.6.3, 3.0.4; UNIX, agent, Kea 3 HTTP) tells its daemon', () => {
  const all = captures('config-get');
  assert.ok(all.length > 20);
  for (const c of all) {
    const want = KIND_BY_PREFIX.find(([re]) => re.test(c.file))![1];
    assert.equal(configKind(c.args), want, `${c.version}/${c.file}`);
  }
});

test('configKind: anything else is bad_answer, naming no value', () => {
  for (const args of [undefined, null, [], 'Dhcp4', { dhcp4: {} }, { hash: 'X' }]) {
    assert.throws(
      () => configKind(args),
      (e: Error & { code?: string }) => e.code === 'bad_answer' && !/X/.test(e.message),
    );
  }
});

test('agentServices: the control-sockets of real agents; none for a daemon', () => {
  for (const c of captures('config-get')) {
    const services = agentServices(c.args);
    if (c.file.startsWith('ca.')) assert.deepEqual(services, ['dhcp4', 'dhcp6', 'd2'], `${c.version}/${c.file}`);
    else assert.deepEqual(services, [], `${c.version}/${c.file}`);
  }
});
