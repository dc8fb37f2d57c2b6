import { DHCP_DISABLED_CAUSES } from '../../kea/dhcp-state.js';
import { bool, type Collector } from './collector.js';

export const KEA_SOCKETS_READY = 'kea_sockets_ready';
export const KEA_SOCKETS_ERRORS = 'kea_sockets_errors';
export const KEA_DHCP_DISABLED = 'kea_dhcp_disabled';
export const KEA_DHCP_DISABLED_BY = 'kea_dhcp_disabled_by';

/** Whether the DHCP service can answer: sockets opened, service not disabled, and if disabled, by whom. */
export const serviceCollector: Collector = {
  metrics: [
    {
      name: KEA_SOCKETS_READY,
      type: 'gauge',
      help: 'Whether all DHCP sockets are open (1); 0 while Kea reports them retrying or failed.',
    },
    { name: KEA_SOCKETS_ERRORS, type: 'gauge', help: 'Number of socket errors Kea reports.' },
    {
      name: KEA_DHCP_DISABLED,
      type: 'gauge',
      help: 'Whether the DHCP service is disabled (1) for any cause, from status-get dhcp-state (Kea 2.6.2+).',
    },
    {
      name: KEA_DHCP_DISABLED_BY,
      type: 'gauge',
      labels: ['cause'],
      help:
        'Whether this cause holds the DHCP service disabled (1), from status-get dhcp-state (Kea 2.6.2+): ' +
        "user = dhcp-disable, ha_local = this server's HA (origin 1000+), ha_remote = the HA partner (2000+), " +
        'db_connection = a lost database connection (3000+). Several may hold it at once.',
    },
  ],
  collect(s, emit) {
    const st = s.up ? s.status : undefined;
    if (!st) return;
    if (st.sockets) {
      emit(KEA_SOCKETS_READY, bool(st.sockets.status === 'ready'));
      emit(KEA_SOCKETS_ERRORS, st.sockets.errors.length);
    }
    if (st.dhcpDisabled !== undefined) emit(KEA_DHCP_DISABLED, bool(st.dhcpDisabled));
    const by = st.dhcpDisabledBy;
    if (by) for (const cause of DHCP_DISABLED_CAUSES) emit(KEA_DHCP_DISABLED_BY, bool(by[cause]), { cause });
  },
};
