/** The catalog of Kea commands known by name, and the one place for the fact "this command only
 * reads". The proxy takes from it the values of its `command` label (src/proxy/commands.ts) and
 * the only commands a glob in a role can grant (src/proxy/roles.ts); the config checks role globs
 * against it (src/config/proxy-schema.ts).
 *
 * `reads: true`: it only reads what a monitoring or lease-lookup user is there to see; these
 * are the built-in read-only role and all that `*` or `prefix*` in a role can match. Everything
 * else is granted only by its exact name, including the few that read but serve something
 * else: ha-heartbeat (the HA partners' own protocol), server-tag-get (config backends),
 * subnet*-select-test (diagnostics), and config-test, which parses, and loads the hooks of, a
 * whole configuration sent by the caller. */

/** The union of the list-commands answers of every captured daemon (test/fixtures/kea/captures:
 * 2.2.0, 2.6.3, 3.0.4; dhcp4 with lease_cmds and HA, dhcp6 with lease_cmds, d2, Control Agent,
 * Kea 3 HTTP sockets). commands.test.ts checks that this is exactly that union. */
const CAPTURED_READS = [
  'build-report',
  'config-get',
  'config-hash-get',
  'list-commands',
  'status-get',
  'version-get',
  'statistic-get',
  'statistic-get-all',
  'lease4-get',
  'lease4-get-all',
  'lease4-get-by-client-id',
  'lease4-get-by-hostname',
  'lease4-get-by-hw-address',
  'lease4-get-page',
  'lease6-get',
  'lease6-get-all',
  'lease6-get-by-duid',
  'lease6-get-by-hostname',
  'lease6-get-page',
] as const;

const CAPTURED_OTHERS = [
  'config-backend-pull',
  'config-reload',
  'config-set',
  'config-test',
  'config-write',
  'shutdown',
  'libreload',
  'server-tag-get',
  'dhcp-disable',
  'dhcp-enable',
  'leases-reclaim',
  'ha-continue',
  'ha-heartbeat',
  'ha-maintenance-cancel',
  'ha-maintenance-notify',
  'ha-maintenance-start',
  'ha-reset',
  'ha-scopes',
  'ha-sync',
  'ha-sync-complete-notify',
  'lease4-add',
  'lease4-del',
  'lease4-resend-ddns',
  'lease4-update',
  'lease4-wipe',
  'lease4-write',
  'lease6-add',
  'lease6-bulk-apply',
  'lease6-del',
  'lease6-resend-ddns',
  'lease6-update',
  'lease6-wipe',
  'lease6-write',
  'statistic-remove',
  'statistic-remove-all',
  'statistic-reset',
  'statistic-reset-all',
  'statistic-sample-age-set',
  'statistic-sample-age-set-all',
  'statistic-sample-count-set',
  'statistic-sample-count-set-all',
  'subnet4-select-test',
  'subnet4o6-select-test',
  'subnet6-select-test',
] as const;

/** The subnet_cmds hook, which the captured daemons do not load, from Kea's API reference
 * (src/share/api/*.json): its reads have always been in the built-in read-only role. */
const SUBNET_CMDS_READS = [
  'subnet4-list',
  'subnet6-list',
  'subnet4-get',
  'subnet6-get',
  'network4-list',
  'network6-list',
  'network4-get',
  'network6-get',
] as const;

const SUBNET_CMDS_OTHERS = [
  'subnet4-add',
  'subnet4-del',
  'subnet4-update',
  'subnet4-delta-add',
  'subnet4-delta-del',
  'subnet6-add',
  'subnet6-del',
  'subnet6-update',
  'subnet6-delta-add',
  'subnet6-delta-del',
  'network4-add',
  'network4-del',
  'network4-subnet-add',
  'network4-subnet-del',
  'network6-add',
  'network6-del',
  'network6-subnet-add',
  'network6-subnet-del',
] as const;

/** The perfmon hook (Kea 3.0's list-commands with libdhcp_perfmon.so loaded,
 * test/fixtures/kea/perfmon/3.0.4): durations read (the exporter polls them), monitoring
 * switched on and off. */
const PERFMON_READS = ['perfmon-get-all-durations'] as const;
const PERFMON_OTHERS = ['perfmon-control'] as const;

export interface CatalogEntry {
  reads: boolean;
  /** Where the name comes from: a captured list-commands answer (of the perfmon lab for its
   * hook), or Kea's API reference. */
  source: 'captured' | 'perfmon' | 'subnet_cmds';
}

const entries = (names: readonly string[], reads: boolean, source: CatalogEntry['source']): [string, Readonly<CatalogEntry>][] =>
  names.map((c) => [c, Object.freeze({ reads, source })]);

export const CATALOG: ReadonlyMap<string, Readonly<CatalogEntry>> = new Map([
  ...entries(CAPTURED_READS, true, 'captured'),
  ...entries(CAPTURED_OTHERS, false, 'captured'),
  ...entries(PERFMON_READS, true, 'perfmon'),
  ...entries(PERFMON_OTHERS, false, 'perfmon'),
  ...entries(SUBNET_CMDS_READS, true, 'subnet_cmds'),
  ...entries(SUBNET_CMDS_OTHERS, false, 'subnet_cmds'),
]);

/** The catalog's reads, in catalog order: the built-in read-only role. */
export const READ_COMMANDS: readonly string[] = Object.freeze([...CATALOG].filter(([, e]) => e.reads).map(([c]) => c));

export const isReadCommand = (command: string): boolean => CATALOG.get(command)?.reads === true;
