/**
 * status-get `dhcp-state` (Kea 2.6.2+): whether the DHCP service is disabled, and by whom.
 * Kea holds the service disabled per origin and serves only when no origin holds it:
 * - `disabled-by-user`: `dhcp-disable` without an origin (a boolean; `dhcp-enable` clears only it);
 * - `disabled-by-local-command`: this server's own HA service, origins 1000+, for as long as
 *   it is backup, waiting, ready, syncing or in-maintenance;
 * - `disabled-by-remote-command`: the HA partner, origins 2000+ (while it syncs its leases from here);
 * - `disabled-by-db-connection`: a lost database connection being retried, origins 3000+.
 * A `dhcp-disable` with an `origin-id` lands in the list of that range. Lists may also be
 * printed as booleans (one Kea revision does so for the db one): both count.
 */

/** A fixed set: each is exported (0 or 1) whenever dhcp-state is. */
export const DHCP_DISABLED_CAUSES = ['user', 'ha_local', 'ha_remote', 'db_connection'] as const;
export type DhcpDisabledCause = (typeof DHCP_DISABLED_CAUSES)[number];

const KEYS: Readonly<Record<DhcpDisabledCause, string>> = {
  user: 'disabled-by-user',
  ha_local: 'disabled-by-local-command',
  ha_remote: 'disabled-by-remote-command',
  db_connection: 'disabled-by-db-connection',
};

export interface DhcpState {
  /** Disabled for any reason: Kea's `globally-disabled`, else any cause. */
  disabled: boolean;
  by: Readonly<Record<DhcpDisabledCause, boolean>>;
}

/** A flag (true) or a non-empty list of origins holds the service disabled. */
const holds = (v: unknown): boolean => v === true || (Array.isArray(v) && v.length > 0);

/** Pure: `dhcp-state` map -> DhcpState. Absent keys count as not disabling. */
export function parseDhcpState(state: Readonly<Record<string, unknown>>): DhcpState {
  const by = Object.fromEntries(DHCP_DISABLED_CAUSES.map((c) => [c, holds(state[KEYS[c]])])) as Record<DhcpDisabledCause, boolean>;
  const global = state['globally-disabled'];
  const disabled = typeof global === 'boolean' ? global : Object.values(state).some(holds);
  return { disabled, by };
}
