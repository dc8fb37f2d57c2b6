import type { Collector } from './collector.js';

export const KEA_UP = 'kea_up';
export const KEA_UPTIME = 'kea_uptime_seconds';
export const KEA_RELOAD_AGE = 'kea_config_reload_age_seconds';
export const KEA_START_TIME = 'kea_start_time_seconds';
export const KEA_VERSION_INFO = 'kea_version_info';
export const KEA_CONFIG_HASH_INFO = 'kea_config_hash_info';
export const KEA_CONFIG_SHARED_HASH_INFO = 'kea_config_shared_hash_info';
export const KEA_CONFIG_CHANGES = 'kea_config_changes_observed_total';
export const KEA_CONFIG_LAST_CHANGE = 'kea_config_last_change_timestamp_seconds';

/** Liveness, age, identity and configuration of each daemon. Only kea_up survives a failed poll. */
export const daemonCollector: Collector = {
  metrics: [
    { name: KEA_UP, type: 'gauge', help: 'Whether the last poll of the daemon succeeded (1) or failed (0).' },
    { name: KEA_UPTIME, type: 'gauge', help: 'Seconds since the daemon started, as Kea reports it.' },
    { name: KEA_RELOAD_AGE, type: 'gauge', help: 'Seconds since the daemon last committed a configuration.' },
    { name: KEA_START_TIME, type: 'gauge', help: 'Unix time the daemon started (poll time minus uptime).' },
    { name: KEA_VERSION_INFO, type: 'gauge', help: 'Kea version of the daemon (always 1).', labels: ['version'] },
    {
      name: KEA_CONFIG_HASH_INFO,
      type: 'gauge',
      help: 'Hash of the running configuration (always 1). source="kea": Kea\'s config-hash-get; source="computed": SHA-256 of the exporter\'s canonical serialisation of config-get (Kea 2.2).',
      labels: ['hash', 'source'],
    },
    {
      name: KEA_CONFIG_SHARED_HASH_INFO,
      type: 'gauge',
      help: "Hash of the running configuration without the fields that differ between HA partners by design (this-server-name, control sockets, loggers, ...), so partners running the same configuration agree (always 1). ha_peers: the sorted HA peer names of the HA hook's configuration.",
      labels: ['hash', 'ha_peers'],
    },
    { name: KEA_CONFIG_CHANGES, type: 'counter', help: 'Configuration hash changes observed by the exporter.' },
    {
      name: KEA_CONFIG_LAST_CHANGE,
      type: 'gauge',
      help: 'Unix time the configuration now running was committed (from reload at first sight or at the change).',
    },
  ],
  collect(s, emit) {
    emit(KEA_UP, s.up ? 1 : 0);
    if (!s.up || !s.status) return;
    emit(KEA_UPTIME, s.status.uptime);
    emit(KEA_RELOAD_AGE, s.status.reload);
    if (s.startTime !== undefined) emit(KEA_START_TIME, s.startTime);
    if (s.version) emit(KEA_VERSION_INFO, 1, { version: s.version });
    if (s.configHash) emit(KEA_CONFIG_HASH_INFO, 1, { hash: s.configHash.hash, source: s.configHash.source });
    if (s.sharedConfig) emit(KEA_CONFIG_SHARED_HASH_INFO, 1, { hash: s.sharedConfig.hash, ha_peers: s.sharedConfig.haPeers });
    emit(KEA_CONFIG_CHANGES, s.configChanges);
    if (s.lastConfigChangeAt !== undefined) emit(KEA_CONFIG_LAST_CHANGE, s.lastConfigChangeAt / 1000);
  },
};
