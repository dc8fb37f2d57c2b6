/** High availability: each server's state and its view of the partner, per relationship. */
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { HA_PARTNER_STATES, HA_STATES } from '../../src/render/prometheus/ha.js';
import { stateTimeline, statPanel, tablePanel, thresholds, timeSeries, type ValueTexts } from './panels.js';
import { dashboard, finish, labelVariable, SEL } from './shared.js';

/** HA series filter: the common one plus the optional `ha_pair` target label (All = `.*`, which
 * also matches targets without it). */
function h(metric: string): string {
  return `${metric}{${SEL}, ha_pair=~"$ha_pair"}`;
}

const COLOURS: Readonly<Record<string, string>> = {
  'hot-standby': 'green',
  'load-balancing': 'green',
  backup: 'green',
  'passive-backup': 'green',
  'partner-down': 'orange',
  'communication-recovery': 'yellow',
  waiting: 'blue',
  syncing: 'blue',
  ready: 'blue',
  'in-maintenance': 'purple',
  'partner-in-maintenance': 'purple',
  terminated: 'red',
  unavailable: 'red',
  unknown: 'text',
};

/** State numbers for the panels: PromQL values are numbers, so each state name becomes its
 * position in the exporter's own state list (the same list for both sides) and value mappings
 * turn it back into the name. */
const code = (state: string) => HA_PARTNER_STATES.indexOf(state as (typeof HA_PARTNER_STATES)[number]) + 1;
const STATE_TEXTS: ValueTexts = Object.fromEntries(HA_PARTNER_STATES.map((s) => [code(s), [s, COLOURS[s] ?? 'text']]));

/** The state set `metric` (1 on the current state) as one series per server and relationship
 * whose value is the current state's number. */
function stateNumber(metric: string, states: readonly string[]): string {
  const numbers = states.map((s) => `label_replace(vector(${code(s)}), "state", "${s}", "", "")`).join(' or ');
  return `max by (target, daemon, relationship) ((${h(metric)} == 1) * on(state) group_left() (${numbers}))`;
}

const OWN = stateNumber('kea_ha_state', HA_STATES);
const PARTNER = stateNumber('kea_ha_partner_state', HA_PARTNER_STATES);
const REL = '{{target}} ({{relationship}})';

export function haDashboard(): Dashboard {
  const b = dashboard({
    uid: 'kea-telemetry-ha',
    title: 'Kea / High availability',
    description:
      'HA hook state of every server and of its partner as it sees it, partner communication, unacked clients and state transitions. relationship = the partner (Kea >= 2.6: its server name; before: its role).',
    variables: [labelVariable('ha_pair', 'HA pair', 'label_values(kea_ha_state{target=~"$target"}, ha_pair)')],
  })
    .withRow(new RowBuilder('State').collapsed(false))
    .withPanel(
      statPanel({
        title: 'HA state',
        description: 'Current HA state of each server (kea_ha_state == 1).',
        unit: 'short',
        h: 5,
        mappings: STATE_TEXTS,
        queries: [{ expr: OWN, legend: REL }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Partner state (as each server sees it)',
        description: "The partner's last state as this server learned it (kea_ha_partner_state == 1); unavailable when it cannot reach the partner.",
        unit: 'short',
        h: 5,
        mappings: STATE_TEXTS,
        queries: [{ expr: PARTNER, legend: REL }],
      }),
    )
    .withPanel(
      stateTimeline({
        title: 'HA state over time',
        description: 'kea_ha_state of every server: both sides of a pair, one row each.',
        unit: 'short',
        w: 24,
        mappings: STATE_TEXTS,
        queries: [{ expr: OWN, legend: REL }],
      }),
    )
    .withPanel(
      stateTimeline({
        title: 'Partner state over time (as each server sees it)',
        description: "kea_ha_partner_state: what each server believed its partner's state was.",
        unit: 'short',
        w: 24,
        mappings: STATE_TEXTS,
        queries: [{ expr: PARTNER, legend: REL }],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Roles and scopes served',
        description: 'Role and HA mode of each server (kea_ha_role_info) and how many scopes it serves (kea_ha_scopes_served).',
        unit: 'short',
        w: 24,
        h: 6,
        columns: { Value: 'scopes served' },
        queries: [
          {
            expr:
              `max by (target, daemon, relationship) (${h('kea_ha_scopes_served')})` +
              ` * on(target, daemon, relationship) group_left(role, mode) max by (target, daemon, relationship, role, mode) (${h('kea_ha_role_info')})`,
          },
        ],
      }),
    )
    .withRow(new RowBuilder('Partner communication').collapsed(false))
    .withPanel(
      stateTimeline({
        title: 'Partner in touch',
        description: 'Whether the server has been in touch with its partner (kea_ha_partner_in_touch).',
        unit: 'short',
        h: 6,
        mappings: { 1: ['in touch', 'green'], 0: ['not in touch', 'red'] },
        queries: [{ expr: h('kea_ha_partner_in_touch'), legend: REL }],
      }),
    )
    .withPanel(
      stateTimeline({
        title: 'Communication interrupted',
        description: 'Whether communication with the partner is interrupted (kea_ha_communication_interrupted).',
        unit: 'short',
        h: 6,
        mappings: { 0: ['ok', 'green'], 1: ['interrupted', 'red'] },
        queries: [{ expr: h('kea_ha_communication_interrupted'), legend: REL }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Unacked clients',
        description:
          'While communication is interrupted: clients the partner has not answered (kea_ha_unacked_clients) and how many more are needed before this server moves to partner-down (kea_ha_unacked_clients_left).',
        unit: 'short',
        queries: [
          { expr: h('kea_ha_unacked_clients'), legend: `${REL} unacked` },
          { expr: h('kea_ha_unacked_clients_left'), legend: `${REL} left before partner-down` },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'State transitions',
        description: "Changes of each server's HA state the exporter observed (kea_ha_state_transitions_total), per rate interval.",
        unit: 'short',
        queries: [
          {
            expr: `sum by (target, daemon, relationship) (increase(${h('kea_ha_state_transitions_total')}[$__rate_interval]))`,
            legend: REL,
          },
        ],
      }).decimals(0),
    )
    .withPanel(
      statPanel({
        title: 'State transitions in the time range',
        description: "HA state changes per server over the dashboard's time range.",
        unit: 'short',
        w: 24,
        h: 4,
        steps: thresholds([
          [null, 'green'],
          [1, 'orange'],
        ]),
        queries: [
          {
            expr: `sum by (target, daemon, relationship) (increase(${h('kea_ha_state_transitions_total')}[$__range]))`,
            legend: REL,
            instant: true,
          },
        ],
      }).decimals(0),
    )
    .withRow(
      new RowBuilder('While communication is interrupted')
        .collapsed(true)
        .withPanel(
          timeSeries({
            title: 'Connecting clients',
            description: 'Clients trying to reach the partner while communication is interrupted (kea_ha_connecting_clients).',
            unit: 'short',
            w: 8,
            queries: [{ expr: h('kea_ha_connecting_clients'), legend: REL }],
          }),
        )
        .withPanel(
          timeSeries({
            title: 'Analyzed packets',
            description: 'Packets analyzed while communication is interrupted (kea_ha_analyzed_packets).',
            unit: 'short',
            w: 8,
            queries: [{ expr: h('kea_ha_analyzed_packets'), legend: REL }],
          }),
        )
        .withPanel(
          timeSeries({
            title: 'Partner state age',
            description: "Seconds since the partner's state was last learned (kea_ha_partner_age_seconds).",
            unit: 's',
            w: 8,
            queries: [{ expr: h('kea_ha_partner_age_seconds'), legend: REL }],
          }),
        ),
    );
  return finish(b);
}
