/** The statistics naming's vocabulary, apart so that the tables and the code that reads them
 * share it without importing each other. */

export type Naming = 'default' | 'kea-exporter';
export type StatsDaemon = 'dhcp4' | 'dhcp6' | 'd2';
export interface StatFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labels: readonly string[];
}

/** Where a statistic was reported: its name prefix in statistic-get-all. */
export type Scope = 'global' | 'subnet' | 'pool' | 'pd-pool' | 'key';

/** One Kea statistic in default naming: its family at each scope Kea reports it at, each name
 * spelled out so that a name seen on /metrics can be found with grep. */
export interface StatDef {
  stat: string;
  type: 'gauge' | 'counter';
  help: string;
  names: Readonly<Partial<Record<Scope, string>>>;
}
