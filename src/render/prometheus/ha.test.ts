import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emitStateSet, MAX_STATE_LABELS, stateLabelsHeld } from './collector.js';
import { parseStatus, type Status } from '../../kea/status.js';
import type { DaemonSnapshot } from '../../snapshot.js';
import { fixtureArgs } from '../../../test/support/fixture-files.js';
import { renderer, snap } from '../../../test/support/render-fleet.js';

const status = (name: string): Status => parseStatus(fixtureArgs('2.2.0', name));

/** A status with its HA states (and relationship name) changed, as a later poll would bring. */
function changed(base: Status, local: string, partner: string, relationship?: string): Status {
  const s = structuredClone(base);
  for (const rel of s.ha ?? []) {
    rel.local.state = local;
    if (rel.remote) rel.remote.lastState = partner;
    if (relationship) rel.relationship = relationship;
  }
  return s;
}

/** Fills the state sets' label table with other relationships until it is cleared once. */
function churnStateLabels(): void {
  const before = stateLabelsHeld();
  for (let i = 0; i <= MAX_STATE_LABELS && stateLabelsHeld() >= before; i++)
    emitStateSet(() => {}, 'kea_ha_state', ['a', 'b'], 'a', { relationship: `churn-${i}` });
  assert.ok(stateLabelsHeld() < before, 'the table was cleared');
}

test('HA state sets poll after poll (states move, an unknown one, a relationship renamed, the label table cleared between polls) read as a fresh render', async () => {
  const primary = status('dhcp4-ha-primary.status-get');
  const polls: [string, Status, boolean][] = [
    ['normal', primary, false],
    ['partner down', status('dhcp4-ha-primary.partner-down.status-get'), false],
    ['states Kea may add later', changed(primary, 'some-new-state', 'another-new-state'), false],
    ['back to normal, table cleared before', primary, true],
    ['relationship renamed', changed(primary, 'partner-down', 'unavailable', 'renamed'), false],
    ['renamed, table cleared before', changed(primary, 'hot-standby', 'hot-standby', 'renamed'), true],
  ];
  const kept = renderer();
  for (const [what, s, churn] of polls) {
    if (churn) churnStateLabels();
    const snapshots: [string, DaemonSnapshot][] = [
      ['a|self', snap({ target: 'a', status: s })],
      ['b|self', snap({ target: 'b', status: changed(s, 'waiting', 'syncing') })],
    ];
    const fresh = renderer();
    for (const [key, v] of snapshots) {
      kept.update(key, v);
      fresh.update(key, v);
    }
    const { body } = await kept.render(false);
    assert.equal(body, (await fresh.render(false)).body, what);
    const states = body.split('\n').filter((l) => l.startsWith('kea_ha_state{'));
    assert.equal(new Set(states.map((l) => l.replace(/ \S+$/, ''))).size, states.length, `${what}: each state once`);
    for (const target of ['a', 'b'])
      assert.equal(states.filter((l) => l.includes(`target="${target}"`) && l.endsWith(' 1')).length, 1, `${what}: one current state of ${target}`);
  }
});

test('the state sets’ label table stays bounded however many relationships a fleet names', () => {
  for (let i = 0; i < MAX_STATE_LABELS + 100; i++) emitStateSet(() => {}, 'kea_ha_state', ['a', 'b'], 'a', { relationship: `r${i}` });
  assert.ok(stateLabelsHeld() <= MAX_STATE_LABELS, `${stateLabelsHeld()} label sets held`);
});
