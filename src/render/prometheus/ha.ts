import { bool, emitStateSet, type Collector } from './collector.js';

export const KEA_HA_STATE = 'kea_ha_state';
export const KEA_HA_PARTNER_STATE = 'kea_ha_partner_state';
export const KEA_HA_ROLE_INFO = 'kea_ha_role_info';
export const KEA_HA_SCOPES_SERVED = 'kea_ha_scopes_served';
export const KEA_HA_PARTNER_IN_TOUCH = 'kea_ha_partner_in_touch';
export const KEA_HA_COMM_INTERRUPTED = 'kea_ha_communication_interrupted';
export const KEA_HA_PARTNER_AGE = 'kea_ha_partner_age_seconds';
export const KEA_HA_UNACKED = 'kea_ha_unacked_clients';
export const KEA_HA_UNACKED_LEFT = 'kea_ha_unacked_clients_left';
export const KEA_HA_CONNECTING = 'kea_ha_connecting_clients';
export const KEA_HA_ANALYZED = 'kea_ha_analyzed_packets';
export const KEA_HA_CLOCK_SKEW = 'kea_ha_clock_skew_seconds';
export const KEA_HA_TRANSITIONS = 'kea_ha_state_transitions_total';

/** Every state Kea's HA hook can be in; the partner may also be "unavailable" or not yet known. */
export const HA_STATES = [
  'backup',
  'communication-recovery',
  'hot-standby',
  'load-balancing',
  'in-maintenance',
  'partner-down',
  'partner-in-maintenance',
  'passive-backup',
  'ready',
  'syncing',
  'terminated',
  'waiting',
] as const;
export const HA_PARTNER_STATES = [...HA_STATES, 'unavailable', 'unknown'] as const;

const R = ['relationship'];

/** HA, one set of series per relationship (hub-and-spoke servers have several). */
export const haCollector: Collector = {
  metrics: [
    { name: KEA_HA_STATE, type: 'gauge', labels: [...R, 'state'], help: 'HA state of this server: 1 for the current state, 0 for the others.' },
    {
      name: KEA_HA_PARTNER_STATE,
      type: 'gauge',
      labels: [...R, 'state'],
      help: 'Last HA state of the partner this server saw: 1 for the current state, 0 for the others.',
    },
    { name: KEA_HA_ROLE_INFO, type: 'gauge', labels: [...R, 'role', 'mode'], help: 'HA role of this server and the relationship mode (always 1).' },
    { name: KEA_HA_SCOPES_SERVED, type: 'gauge', labels: R, help: 'Number of HA scopes this server is serving.' },
    { name: KEA_HA_PARTNER_IN_TOUCH, type: 'gauge', labels: R, help: 'Whether this server has been in touch with its partner (1).' },
    { name: KEA_HA_COMM_INTERRUPTED, type: 'gauge', labels: R, help: 'Whether communication with the partner is interrupted (1).' },
    { name: KEA_HA_PARTNER_AGE, type: 'gauge', labels: R, help: "Seconds since the partner's state was last learned." },
    { name: KEA_HA_UNACKED, type: 'gauge', labels: R, help: 'Clients the partner has not answered while communication is interrupted.' },
    { name: KEA_HA_UNACKED_LEFT, type: 'gauge', labels: R, help: 'Unacked clients still needed before this server moves to partner-down.' },
    { name: KEA_HA_CONNECTING, type: 'gauge', labels: R, help: 'Clients trying to reach the partner while communication is interrupted.' },
    { name: KEA_HA_ANALYZED, type: 'gauge', labels: R, help: 'Packets analyzed while communication is interrupted.' },
    { name: KEA_HA_CLOCK_SKEW, type: 'gauge', labels: R, help: 'Clock skew between this server and its partner in seconds (Kea 3.0+).' },
    { name: KEA_HA_TRANSITIONS, type: 'counter', labels: R, help: "Changes of this server's HA state observed by the exporter." },
  ],
  collect(s, emit) {
    const ha = s.up ? s.status?.ha : undefined;
    for (const rel of ha ?? []) {
      const l = { relationship: rel.relationship };
      emitStateSet(emit, KEA_HA_STATE, HA_STATES, rel.local.state, l);
      emit(KEA_HA_ROLE_INFO, 1, { ...l, role: rel.local.role, mode: rel.mode });
      emit(KEA_HA_SCOPES_SERVED, rel.local.scopes.length, l);
      emit(KEA_HA_TRANSITIONS, s.haTransitions[rel.relationship] ?? 0, l);
      const r = rel.remote;
      if (!r) continue;
      emitStateSet(emit, KEA_HA_PARTNER_STATE, HA_PARTNER_STATES, r.lastState, l);
      emit(KEA_HA_PARTNER_IN_TOUCH, bool(r.inTouch), l);
      emit(KEA_HA_COMM_INTERRUPTED, bool(r.communicationInterrupted), l);
      emit(KEA_HA_PARTNER_AGE, r.age, l);
      emit(KEA_HA_UNACKED, r.unackedClients, l);
      emit(KEA_HA_UNACKED_LEFT, r.unackedClientsLeft, l);
      emit(KEA_HA_CONNECTING, r.connectingClients, l);
      emit(KEA_HA_ANALYZED, r.analyzedPackets, l);
      if (r.clockSkew !== undefined) emit(KEA_HA_CLOCK_SKEW, r.clockSkew, l);
    }
  },
};
