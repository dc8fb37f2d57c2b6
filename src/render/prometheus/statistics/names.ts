import type { StatScope } from '../../../kea/statistics/parse.js';
import type { SubnetInfo } from '../../../kea/statistics/subnets.js';
import { MAX_UNMAPPED_FAMILIES } from '../../../kea/limits.js';
import { DEFAULT_STATS, DROP_REASONS, PACKET_FAMILIES, type PacketFamilies } from './names-default.js';
import { KEA_EXPORTER } from './names-kea-exporter.js';
import { unmappedMetricName } from './metric-name.js';
import { SCOPE_LABELS, scopeLabels, scopeOf } from './scope-labels.js';
import type { Naming, Scope, StatFamily, StatsDaemon } from './types.js';

export type { Naming, Scope, StatFamily, StatsDaemon } from './types.js';

/** The name prefix of each scope, for the families of unmapped statistics (known statistics have
 * their names spelled out in names-default.ts). */
const SCOPE_PREFIX: Record<Scope, string> = { global: '', subnet: 'subnet_', pool: 'pool_', 'pd-pool': 'pd_pool_', key: 'key_' };
const SCOPE_HELP: Record<Scope, string> = {
  global: '',
  subnet: ' Per subnet.',
  pool: ' Per address pool (Kea pool-id).',
  'pd-pool': ' Per prefix-delegation pool (Kea pool-id).',
  key: ' Per TSIG key.',
};

/** The declared families of one daemon+naming, built once and never changed (shared by every
 * StatisticNames). */
interface Registry {
  naming: Naming;
  daemon: StatsDaemon;
  declared: StatFamily[];
  /** Every declared name: an unknown statistic never takes a known name. */
  byName: Map<string, StatFamily>;
  /** Default naming: each known statistic's family at each scope of its table entry. */
  known: Map<string, Partial<Record<Scope, StatFamily>>>;
  packets?: PacketFamilies;
}
const registries = new Map<string, Registry>();

/** The families of unknown statistics met for one daemon: one per scope and name. */
interface Unknown {
  families: Map<string, StatFamily>;
  names: Set<string>;
}

/** kea-exporter 0.7 has no kea-dhcp-ddns support: d2 keeps the default names there. */
const namingOf = (daemon: StatsDaemon, naming: Naming): Naming => (daemon === 'd2' ? 'default' : naming);

/** Every family this daemon+naming may emit for KNOWN statistics (declared up front). */
export function statFamilies(daemon: StatsDaemon, naming: Naming): StatFamily[] {
  return [...registry(daemon, naming).declared];
}

/**
 * One collector's naming of statistics: the declared families (shared, immutable) and the
 * families of the unknown statistics it has met, which are its own: a reload's new collector, or
 * a second exporter in the same process, starts from none, and MAX_UNMAPPED_FAMILIES counts only
 * its own.
 */
export class StatisticNames {
  private readonly unknown = new Map<StatsDaemon, Unknown>();

  constructor(readonly naming: Naming) {}

  /** The series for one sample: family and label values. An unknown statistic gets a generic
   * sanitized gauge family (returned so the caller can create it). undefined only for what
   * kea-exporter 0.7 drops on purpose (sums of other series) in kea-exporter naming, and past
   * MAX_UNMAPPED_FAMILIES. Never throws. */
  series(daemon: StatsDaemon, s: StatScope, subnets: ReadonlyMap<number, SubnetInfo>): { family: StatFamily; labels: Record<string, string> } | undefined {
    const r = registry(daemon, this.naming);
    const scope = scopeOf(s);
    if (r.naming === 'kea-exporter') return this.kxSeries(r, scope, s, subnets);
    if (scope === 'global' && r.packets) {
      const packet = packetSeries(r.packets, r.daemon, s.stat);
      if (packet) return packet;
    }
    // A known statistic at a scope its table entry does not list is exported like an unknown one.
    const family = r.known.get(s.stat)?.[scope] ?? this.unknownFamily(r, scope, s.stat);
    return family ? { family, labels: scopeLabels(s, subnets, 'default') } : undefined;
  }

  /** Whether series() leaves this sample out for MAX_UNMAPPED_FAMILIES (the caller counts it). */
  pastUnmappedCap(daemon: StatsDaemon, s: StatScope): boolean {
    const u = this.unknownOf(daemon);
    return u.families.size >= MAX_UNMAPPED_FAMILIES && !u.families.has(`${scopeOf(s)}|${s.stat}`);
  }

  private unknownOf(daemon: StatsDaemon): Unknown {
    let u = this.unknown.get(daemon);
    if (!u) this.unknown.set(daemon, (u = { families: new Map(), names: new Set() }));
    return u;
  }

  private kxSeries(r: Registry, scope: Scope, s: StatScope, subnets: ReadonlyMap<number, SubnetInfo>) {
    const table = KEA_EXPORTER[r.daemon as 'dhcp4' | 'dhcp6'];
    if (scope !== 'key' && (scope === 'global' ? table.ignoreGlobal : table.ignoreScoped).has(s.stat)) return undefined;
    const entry = table.map.get(s.stat);
    if (!entry || !entry.scopes.includes(scope)) {
      const family = this.unknownFamily(r, scope, s.stat);
      return family ? { family, labels: scopeLabels(s, subnets, 'kea-exporter') } : undefined;
    }
    const labels = scopeLabels(s, subnets, 'kea-exporter');
    if (scope === 'subnet' && entry.family.labels.includes('pool')) labels.pool = ''; // as kea-exporter does
    return { family: entry.family, labels: { ...labels, ...entry.fixed } };
  }

  /** Unmapped statistics: a gauge named by unmappedName, never throwing. One family per name and
   * scope; a name another family has gets `_unmapped`. undefined past MAX_UNMAPPED_FAMILIES (the
   * sample is left out). */
  private unknownFamily(r: Registry, scope: Scope, stat: string): StatFamily | undefined {
    const u = this.unknownOf(r.daemon);
    const key = `${scope}|${stat}`;
    const cached = u.families.get(key);
    if (cached) return cached;
    if (u.families.size >= MAX_UNMAPPED_FAMILIES) return undefined;
    let name = unmappedName(r.daemon, r.naming, scope, stat);
    while (r.byName.has(name) || u.names.has(name)) name += '_unmapped';
    const where = scope === 'global' ? 'global' : `per ${scope}`;
    const f: StatFamily = {
      name,
      type: 'gauge',
      labels: SCOPE_LABELS[r.naming][scope],
      help: `Kea statistic "${stat}" (${where}), not mapped by kea-telemetry: exported as reported.`,
    };
    u.names.add(name);
    u.families.set(key, f);
    return f;
  }
}

/**
 * The name of an unmapped statistic's family: `kea_<daemon>_<scope prefix>` and Kea's own name,
 * sanitized. The one kind of family name not spelled out in a table: Kea (a later release, a
 * hook) invents the statistic, its HELP quotes it. Default naming stays promtool-clean;
 * kea-exporter naming keeps that exporter's spelling. Pure. (StatisticNames appends
 * `_unmapped` while the name is taken.)
 */
export function unmappedName(daemon: StatsDaemon, naming: Naming, scope: Scope, stat: string): string {
  const prefix = `kea_${daemon}_${SCOPE_PREFIX[scope]}`;
  return namingOf(daemon, naming) === 'kea-exporter' ? `${prefix}${sanitize(stat)}` : unmappedMetricName(prefix, stat);
}

function registry(daemon: StatsDaemon, naming: Naming): Registry {
  naming = namingOf(daemon, naming);
  const id = `${naming}|${daemon}`;
  let r = registries.get(id);
  if (r) return r;
  r = { naming, daemon, declared: [], byName: new Map(), known: new Map() };
  registries.set(id, r);
  const declare = (f: StatFamily) => {
    r.declared.push(f);
    r.byName.set(f.name, f);
  };
  if (daemon !== 'd2' && naming === 'kea-exporter') {
    for (const f of KEA_EXPORTER[daemon].families) declare(f);
    return r;
  }
  if (daemon !== 'd2') {
    r.packets = PACKET_FAMILIES[daemon];
    for (const f of Object.values(r.packets) as StatFamily[]) declare(f);
  }
  for (const def of DEFAULT_STATS[daemon]) {
    const byScope: Partial<Record<Scope, StatFamily>> = {};
    for (const [scope, name] of Object.entries(def.names) as [Scope, string][]) {
      declare((byScope[scope] = { name, help: def.help + SCOPE_HELP[scope], type: def.type, labels: SCOPE_LABELS.default[scope] }));
    }
    r.known.set(def.stat, byScope);
  }
  return r;
}

/** pkt4-/pkt6- names by rule, so a message type added by a later Kea needs no table entry. */
function packetSeries(p: PacketFamilies, daemon: StatsDaemon, stat: string): { family: StatFamily; labels: Record<string, string> } | undefined {
  const prefix = daemon === 'dhcp4' ? 'pkt4-' : 'pkt6-';
  if (!stat.startsWith(prefix)) return undefined;
  const rest = stat.slice(5);
  if (rest === 'received') return { family: p.receivedAll, labels: {} };
  if (rest === 'sent') return { family: p.sentAll, labels: {} };
  if (rest === 'receive-drop') return { family: p.dropped, labels: {} };
  if (DROP_REASONS.includes(rest)) return { family: p.droppedByReason, labels: { reason: rest } };
  if (rest.length > 9 && rest.endsWith('-received')) return { family: p.received, labels: { type: rest.slice(0, -9) } };
  if (rest.length > 5 && rest.endsWith('-sent')) return { family: p.sent, labels: { type: rest.slice(0, -5) } };
  return undefined;
}

/** kea-exporter 0.7's spelling of an unmapped statistic (its dashboards use these names). */
export function sanitize(stat: string): string {
  const s = stat
    .replace(/[^a-zA-Z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return s === '' ? 'unnamed' : s;
}
