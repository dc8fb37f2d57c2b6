import type { StatSample } from '../../../kea/statistics/parse.js';
import { poolLabel, type SubnetInfo } from '../../../kea/statistics/subnets.js';
import { DEFAULT_STATS, DROP_REASONS } from './names-default.js';
import { KEA_EXPORTER } from './names-kea-exporter.js';
import { unmappedMetricName } from './metric-name.js';
import { MAX_UNMAPPED_FAMILIES } from '../../../kea/limits.js';

export type Naming = 'default' | 'kea-exporter';
export type StatsDaemon = 'dhcp4' | 'dhcp6' | 'd2';
export interface StatFamily { name: string; help: string; type: 'gauge' | 'counter'; labels: readonly string[] }

/** Where a statistic was reported: its name prefix in statistic-get-all. */
export type Scope = 'global' | 'subnet' | 'pool' | 'pd-pool' | 'key';
/** One Kea statistic in default naming: family `kea_<daemon>_<scope prefix><base>`. */
export interface StatDef { stat: string; base: string; type: 'gauge' | 'counter'; help: string; scopes: readonly Scope[] }

const SCOPES: readonly Scope[] = ['global', 'subnet', 'pool', 'pd-pool', 'key'];
/** Global and scoped versions of one statistic never share a family: other labels, and a sum
 * over the family would count every lease twice. The scope is spelled out in the name. */
const SCOPE_PREFIX: Record<Scope, string> = { global: '', subnet: 'subnet_', pool: 'pool_', 'pd-pool': 'pd_pool_', key: 'key_' };
const SCOPE_HELP: Record<Scope, string> = {
  global: '', subnet: ' Per subnet.', pool: ' Per address pool (Kea pool-id).', 'pd-pool': ' Per prefix-delegation pool (Kea pool-id).', key: ' Per TSIG key.',
};
const SUBNET = ['subnet_id', 'subnet', 'shared_network'];
const DEFAULT_LABELS: Record<Scope, readonly string[]> = { global: [], subnet: SUBNET, pool: [...SUBNET, 'pool'], 'pd-pool': [...SUBNET, 'pool'], key: ['key'] };
/** kea-exporter 0.7 label names and order. */
const KX_LABELS: Record<Scope, readonly string[]> = { global: [], subnet: ['subnet', 'subnet_id'], pool: ['subnet', 'subnet_id', 'pool'], 'pd-pool': ['subnet', 'subnet_id', 'pool'], key: ['key'] };

/** Every family of one daemon+naming, known and (once seen) unknown: one object per name. */
interface Registry {
  naming: Naming;
  daemon: StatsDaemon;
  declared: StatFamily[];
  byName: Map<string, StatFamily>;
  /** Names an unknown statistic must not take: every family a known statistic could produce. */
  reserved: Set<string>;
  unknown: Map<string, StatFamily>;
  defs: Map<string, StatDef>;
}
const registries = new Map<string, Registry>();

/** Every family this daemon+naming may emit for KNOWN statistics (declared up front). */
export function statFamilies(daemon: StatsDaemon, naming: Naming): StatFamily[] {
  return [...registry(daemon, naming).declared];
}

/** The series for one sample: family and label values. An unknown statistic gets a generic
 * sanitized gauge family (returned so the caller can create it). undefined only for what
 * kea-exporter 0.7 drops on purpose (sums of other series) in kea-exporter naming. Never throws. */
export function statSeries(
  daemon: StatsDaemon, naming: Naming, s: StatSample, subnets: ReadonlyMap<number, SubnetInfo>,
): { family: StatFamily; labels: Record<string, string> } | undefined {
  const scope = scopeOf(s);
  // kea-exporter 0.7 has no kea-dhcp-ddns support: d2 keeps the default names there.
  if (naming === 'kea-exporter' && daemon !== 'd2') return kxSeries(registry(daemon, naming), scope, s, subnets);
  const r = registry(daemon, 'default');
  if (scope === 'global' && daemon !== 'd2') {
    const packet = packetSeries(r, s.stat);
    if (packet) return packet;
  }
  const def = r.defs.get(s.stat);
  const family = def ? defFamily(r, def, scope) : unknownFamily(r, scope, s.stat);
  return family ? { family, labels: scopeLabels(scope, s, subnets, false) } : undefined;
}

/** Whether statSeries leaves this sample out for MAX_UNMAPPED_FAMILIES (the caller counts it). */
export function pastUnmappedCap(daemon: StatsDaemon, naming: Naming, s: StatSample): boolean {
  const r = registry(daemon, naming);
  return r.unknown.size >= MAX_UNMAPPED_FAMILIES && !r.unknown.has(`${scopeOf(s)}|${s.stat}`);
}

export function scopeOf(s: StatSample): Scope {
  if (s.key !== undefined) return 'key';
  if (s.pdPoolId !== undefined) return 'pd-pool';
  if (s.poolId !== undefined) return 'pool';
  return s.subnetId !== undefined ? 'subnet' : 'global';
}

function registry(daemon: StatsDaemon, naming: Naming): Registry {
  if (naming === 'kea-exporter' && daemon === 'd2') naming = 'default';
  const id = `${naming}|${daemon}`;
  let r = registries.get(id);
  if (r) return r;
  r = { naming, daemon, declared: [], byName: new Map(), reserved: new Set(), unknown: new Map(), defs: new Map() };
  registries.set(id, r);
  const declare = (f: StatFamily) => { r.declared.push(f); r.byName.set(f.name, f); r.reserved.add(f.name); };
  if (naming === 'kea-exporter' && daemon !== 'd2') {
    for (const f of KEA_EXPORTER[daemon].families) declare(f);
    return r;
  }
  if (daemon !== 'd2') for (const f of packetFamilies(daemon)) declare(f);
  for (const def of DEFAULT_STATS[daemon]) {
    r.defs.set(def.stat, def);
    for (const scope of def.scopes) r.declared.push(defFamily(r, def, scope));
    for (const scope of SCOPES) r.reserved.add(defName(daemon, def, scope));
  }
  return r;
}

/** Per-subnet families take the plain name (`kea_dhcp4_addresses_assigned{subnet_id,…}`); the
 * global total of a statistic Kea also reports per subnet is `global_`, so the two never share
 * a family; pools and keys keep their prefixes. */
function defName(daemon: StatsDaemon, def: StatDef, scope: Scope): string {
  const perSubnet = def.scopes.includes('subnet');
  // A scope Kea does not document for this statistic keeps the prefixed name, never the plain one.
  const prefix = scope === 'subnet' && perSubnet ? '' : scope === 'global' && perSubnet ? 'global_' : SCOPE_PREFIX[scope];
  return `kea_${daemon}_${prefix}${def.base}`;
}

/** A known statistic at any scope; scopes Kea does not document are built on demand. */
function defFamily(r: Registry, def: StatDef, scope: Scope): StatFamily {
  const name = defName(r.daemon, def, scope);
  let f = r.byName.get(name);
  if (!f) {
    f = { name, help: def.help + SCOPE_HELP[scope], type: def.type, labels: DEFAULT_LABELS[scope] };
    r.byName.set(name, f);
  }
  return f;
}

function packetFamilies(daemon: 'dhcp4' | 'dhcp6'): StatFamily[] {
  const v = daemon === 'dhcp4' ? 'DHCPv4' : 'DHCPv6';
  const p = `kea_${daemon}_packets_`;
  return [
    { name: `${p}received_total`, type: 'counter', labels: ['type'], help: `${v} packets received, by message type (pkt-<type>-received).` },
    { name: `${p}sent_total`, type: 'counter', labels: ['type'], help: `${v} packets sent, by message type (pkt-<type>-sent).` },
    { name: `${p}received_all_total`, type: 'counter', labels: [], help: `All ${v} packets received, any type, valid or not (pkt-received).` },
    { name: `${p}sent_all_total`, type: 'counter', labels: [], help: `All ${v} packets sent (pkt-sent).` },
    { name: `${p}dropped_total`, type: 'counter', labels: [], help: `${v} packets dropped, for any reason (pkt-receive-drop).` },
    { name: `${p}dropped_by_reason_total`, type: 'counter', labels: ['reason'], help: `${v} packets dropped, by the reasons Kea counts apart (pkt-<reason>); each is also in dropped_total.` },
  ];
}

/** pkt4-/pkt6- names by rule, so a message type added by a later Kea needs no table entry. */
function packetSeries(r: Registry, stat: string): { family: StatFamily; labels: Record<string, string> } | undefined {
  const prefix = r.daemon === 'dhcp4' ? 'pkt4-' : 'pkt6-';
  if (!stat.startsWith(prefix)) return undefined;
  const rest = stat.slice(5);
  const fam = (suffix: string) => r.byName.get(`kea_${r.daemon}_packets_${suffix}`) as StatFamily;
  if (rest === 'received') return { family: fam('received_all_total'), labels: {} };
  if (rest === 'sent') return { family: fam('sent_all_total'), labels: {} };
  if (rest === 'receive-drop') return { family: fam('dropped_total'), labels: {} };
  if (DROP_REASONS.includes(rest)) return { family: fam('dropped_by_reason_total'), labels: { reason: rest } };
  if (rest.length > 9 && rest.endsWith('-received')) return { family: fam('received_total'), labels: { type: rest.slice(0, -9) } };
  if (rest.length > 5 && rest.endsWith('-sent')) return { family: fam('sent_total'), labels: { type: rest.slice(0, -5) } };
  return undefined;
}

function kxSeries(r: Registry, scope: Scope, s: StatSample, subnets: ReadonlyMap<number, SubnetInfo>) {
  const table = KEA_EXPORTER[r.daemon as 'dhcp4' | 'dhcp6'];
  if (scope !== 'key' && (scope === 'global' ? table.ignoreGlobal : table.ignoreScoped).has(s.stat)) return undefined;
  const entry = table.map.get(s.stat);
  if (!entry || !entry.scopes.includes(scope)) {
    const family = unknownFamily(r, scope, s.stat);
    return family ? { family, labels: scopeLabels(scope, s, subnets, true) } : undefined;
  }
  const labels = scopeLabels(scope, s, subnets, true);
  if (scope === 'subnet' && entry.family.labels.includes('pool')) labels.pool = ''; // as kea-exporter does
  return { family: entry.family, labels: { ...labels, ...entry.fixed } };
}

function scopeLabels(scope: Scope, s: StatSample, subnets: ReadonlyMap<number, SubnetInfo>, kx: boolean): Record<string, string> {
  if (scope === 'global') return {};
  if (scope === 'key') return { key: s.key ?? '' };
  const id = s.subnetId ?? 0;
  const info = subnets.get(id);
  // A subnet missing from the config keeps its id and an empty prefix: never drop data.
  const labels: Record<string, string> = kx
    ? { subnet: info?.prefix ?? '', subnet_id: String(id) }
    : { subnet_id: String(id), subnet: info?.prefix ?? '', shared_network: info?.sharedNetwork ?? '' };
  if (scope === 'pool' || scope === 'pd-pool') {
    const pd = scope === 'pd-pool';
    const pid = (pd ? s.pdPoolId : s.poolId) ?? 0;
    // Unknown pool ids get Kea's own spelling, so two of them never collapse into one series.
    labels.pool = poolLabel(info, pid, pd) || (pd ? `pd-pool[${pid}]` : `pool[${pid}]`);
  }
  return labels;
}

/** Unmapped statistics: a gauge `kea_<daemon>_<scope prefix><sanitized name>`, never throwing.
 * One family per name and scope; a name that a known family could take gets `_unmapped`.
 * undefined past MAX_UNMAPPED_FAMILIES (the sample is left out). */
function unknownFamily(r: Registry, scope: Scope, stat: string): StatFamily | undefined {
  const key = `${scope}|${stat}`;
  const cached = r.unknown.get(key);
  if (cached) return cached;
  if (r.unknown.size >= MAX_UNMAPPED_FAMILIES) return undefined;
  const prefix = `kea_${r.daemon}_${SCOPE_PREFIX[scope]}`;
  // Default naming stays promtool-clean; kea-exporter naming keeps that exporter's names.
  let name = r.naming === 'kea-exporter' ? `${prefix}${sanitize(stat)}` : unmappedMetricName(prefix, stat);
  while (r.reserved.has(name) || r.byName.has(name)) name += '_unmapped';
  const labels = (r.naming === 'kea-exporter' ? KX_LABELS : DEFAULT_LABELS)[scope];
  const where = scope === 'global' ? 'global' : `per ${scope}`;
  const f: StatFamily = { name, type: 'gauge', labels, help: `Kea statistic "${stat}" (${where}), not mapped by kea-telemetry: exported as reported.` };
  r.byName.set(name, f);
  r.unknown.set(key, f);
  return f;
}

/** kea-exporter 0.7's spelling of an unmapped statistic (its dashboards use these names). */
export function sanitize(stat: string): string {
  const s = stat.replace(/[^a-zA-Z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  return s === '' ? 'unnamed' : s;
}
