import type { StatSample } from '../../../kea/statistics/parse.js';
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

/** Every family of one daemon+naming, known and (once seen) unknown: one object per name. */
interface Registry {
  naming: Naming;
  daemon: StatsDaemon;
  declared: StatFamily[];
  /** Every name taken, declared or unknown: an unknown statistic never takes a known name. */
  byName: Map<string, StatFamily>;
  /** Default naming: each known statistic's family at each scope of its table entry. */
  known: Map<string, Partial<Record<Scope, StatFamily>>>;
  packets?: PacketFamilies;
  unknown: Map<string, StatFamily>;
}
const registries = new Map<string, Registry>();

/** kea-exporter 0.7 has no kea-dhcp-ddns support: d2 keeps the default names there. */
const namingOf = (daemon: StatsDaemon, naming: Naming): Naming => (daemon === 'd2' ? 'default' : naming);

/** Every family this daemon+naming may emit for KNOWN statistics (declared up front). */
export function statFamilies(daemon: StatsDaemon, naming: Naming): StatFamily[] {
  return [...registry(daemon, naming).declared];
}

/** The series for one sample: family and label values. An unknown statistic gets a generic
 * sanitized gauge family (returned so the caller can create it). undefined only for what
 * kea-exporter 0.7 drops on purpose (sums of other series) in kea-exporter naming, and past
 * MAX_UNMAPPED_FAMILIES. Never throws. */
export function statSeries(
  daemon: StatsDaemon,
  naming: Naming,
  s: StatSample,
  subnets: ReadonlyMap<number, SubnetInfo>,
): { family: StatFamily; labels: Record<string, string> } | undefined {
  const r = registry(daemon, naming);
  const scope = scopeOf(s);
  if (r.naming === 'kea-exporter') return kxSeries(r, scope, s, subnets);
  if (scope === 'global' && r.packets) {
    const packet = packetSeries(r.packets, r.daemon, s.stat);
    if (packet) return packet;
  }
  // A known statistic at a scope its table entry does not list is exported like an unknown one.
  const family = r.known.get(s.stat)?.[scope] ?? unknownFamily(r, scope, s.stat);
  return family ? { family, labels: scopeLabels(s, subnets, 'default') } : undefined;
}

/** Whether statSeries leaves this sample out for MAX_UNMAPPED_FAMILIES (the caller counts it). */
export function pastUnmappedCap(daemon: StatsDaemon, naming: Naming, s: StatSample): boolean {
  const r = registry(daemon, naming);
  return r.unknown.size >= MAX_UNMAPPED_FAMILIES && !r.unknown.has(`${scopeOf(s)}|${s.stat}`);
}

/**
 * The name of an unmapped statistic's family: `kea_<daemon>_<scope prefix>` and Kea's own name,
 * sanitized. The one kind of family name not spelled out in a table: Kea (a later release, a
 * hook) invents the statistic, its HELP quotes it. Default naming stays promtool-clean;
 * kea-exporter naming keeps that exporter's spelling. Pure. (statSeries appends `_unmapped`
 * while the name is taken.)
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
  r = { naming, daemon, declared: [], byName: new Map(), known: new Map(), unknown: new Map() };
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

function kxSeries(r: Registry, scope: Scope, s: StatSample, subnets: ReadonlyMap<number, SubnetInfo>) {
  const table = KEA_EXPORTER[r.daemon as 'dhcp4' | 'dhcp6'];
  if (scope !== 'key' && (scope === 'global' ? table.ignoreGlobal : table.ignoreScoped).has(s.stat)) return undefined;
  const entry = table.map.get(s.stat);
  if (!entry || !entry.scopes.includes(scope)) {
    const family = unknownFamily(r, scope, s.stat);
    return family ? { family, labels: scopeLabels(s, subnets, 'kea-exporter') } : undefined;
  }
  const labels = scopeLabels(s, subnets, 'kea-exporter');
  if (scope === 'subnet' && entry.family.labels.includes('pool')) labels.pool = ''; // as kea-exporter does
  return { family: entry.family, labels: { ...labels, ...entry.fixed } };
}

/** Unmapped statistics: a gauge named by unmappedName, never throwing. One family per name and
 * scope; a name another family has gets `_unmapped`. undefined past MAX_UNMAPPED_FAMILIES (the
 * sample is left out). */
function unknownFamily(r: Registry, scope: Scope, stat: string): StatFamily | undefined {
  const key = `${scope}|${stat}`;
  const cached = r.unknown.get(key);
  if (cached) return cached;
  if (r.unknown.size >= MAX_UNMAPPED_FAMILIES) return undefined;
  let name = unmappedName(r.daemon, r.naming, scope, stat);
  while (r.byName.has(name)) name += '_unmapped';
  const where = scope === 'global' ? 'global' : `per ${scope}`;
  const f: StatFamily = {
    name,
    type: 'gauge',
    labels: SCOPE_LABELS[r.naming][scope],
    help: `Kea statistic "${stat}" (${where}), not mapped by kea-telemetry: exported as reported.`,
  };
  r.byName.set(name, f);
  r.unknown.set(key, f);
  return f;
}

/** kea-exporter 0.7's spelling of an unmapped statistic (its dashboards use these names). */
export function sanitize(stat: string): string {
  const s = stat
    .replace(/[^a-zA-Z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return s === '' ? 'unnamed' : s;
}
