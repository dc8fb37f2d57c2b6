/** Kea control-channel vocabulary shared by transports, parsers and renderers. */
export const DAEMONS = ['dhcp4', 'dhcp6', 'd2', 'ca'] as const;
export type DaemonKind = (typeof DAEMONS)[number];

/** Kea result codes (5 appeared in 3.1.7). */
export const RESULT = { success: 0, error: 1, unsupported: 2, empty: 3, conflict: 4, credentials: 5 } as const;

export interface KeaCommand {
  command: string;
  service?: string[];
  arguments?: Record<string, unknown>;
}

export interface KeaAnswer {
  result: number;
  text?: string;
  arguments?: unknown;
}

/** Top-level key of each daemon's configuration, as config-get returns it. */
export const CONFIG_ROOT: Record<DaemonKind, string> = {
  dhcp4: 'Dhcp4',
  dhcp6: 'Dhcp6',
  d2: 'DhcpDdns',
  ca: 'Control-agent',
};
