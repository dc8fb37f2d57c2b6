import { KeaError } from '../../errors.js';
import { MAX_STAT_NAME_CHARS } from '../limits.js';

/** Where one Kea statistic belongs, read from its name. The reader's objects are shared: every
 * daemon that reports a name gets the same one (sharedScope), and a daemon the same one poll
 * after poll. */
export interface StatScope {
  /** Kea's name of the statistic, whole: `subnet[3].pool[0].assigned-addresses`. */
  readonly name: string;
  /** The name without its scope: `subnet[3].pool[0].assigned-addresses` → `assigned-addresses`. */
  readonly stat: string;
  readonly subnetId?: number;
  /** Kea's pool ID (the pool's `pool-id`, 0 when unset), NOT its position in `pools`. */
  readonly poolId?: number;
  readonly pdPoolId?: number;
  /** kea-dhcp-ddns per-TSIG-key statistics: `key[<name>].update-sent`. */
  readonly key?: string;
}

/** One Kea statistic, newest sample only, with its scope taken out of the name. */
export interface StatSample extends StatScope {
  readonly value: number;
}

/** One poll's statistics as two columns in Kea's order, `scopes[i]` and `values[i]`: no object
 * per statistic and poll (a fleet's are half a million). `scopes` is the reader's own list, the
 * very same one poll after poll while Kea reports the same statistics in the same order. */
export interface StatColumns {
  readonly scopes: readonly StatScope[];
  readonly values: Float64Array;
}

export const NO_STATISTICS: StatColumns = Object.freeze({ scopes: Object.freeze([]), values: new Float64Array(0) });

/** Columns of these samples (tests, and parseStatistics' callers). */
export function columnsOf(samples: readonly StatSample[]): StatColumns {
  return { scopes: samples.map(({ value: _, ...scope }) => scope), values: Float64Array.from(samples, (x) => x.value) };
}

/** The samples of these columns, an object each (tests). */
export function samplesOf(c: StatColumns): StatSample[] {
  return c.scopes.map((scope, i) => ({ ...scope, value: c.values[i]! }));
}

/** The statistics `keep` accepts, at most `max` of them (a copy only when some are left out),
 * and how many past `max` were dropped. */
export function keepStatistics(c: StatColumns, keep: (s: StatScope) => boolean, max: number): { kept: StatColumns; dropped: number } {
  let kept = c;
  if (!c.scopes.every(keep)) {
    const at: number[] = [];
    c.scopes.forEach((s, i) => keep(s) && at.push(i));
    kept = { scopes: at.map((i) => c.scopes[i]!), values: Float64Array.from(at, (i) => c.values[i]!) };
  }
  const n = kept.scopes.length;
  if (n <= max) return { kept, dropped: 0 };
  return { kept: { scopes: kept.scopes.slice(0, max), values: kept.values.slice(0, max) }, dropped: n - max };
}

const DOT = 46; // '.'

/**
 * statistic-get-all arguments → one sample per statistic (the newest value, index [0][0]).
 *
 * Values: JSON.parse already turned Kea's 128-bit total-nas/total-pds into the nearest float64
 * (2^128-1 reads as 2^128), which is what a Prometheus sample holds anyway. A number beyond
 * float range (JSON.parse gives ±Infinity) is clamped to ±Number.MAX_VALUE; a BigInt from a
 * big-number-aware parser is converted the same way. Negative values pass through: Kea's int64
 * gauges can drift below 0 after lease database edits and hiding that would hide the bug.
 * Strings (Kea's string and duration statistic types) and malformed entries are skipped.
 * Names that do not parse as a scope stay whole, as global statistics: never dropped. A name
 * longer than MAX_STAT_NAME_CHARS is not Kea's: the whole answer is refused (limit).
 */
export function parseStatistics(args: unknown): StatSample[] {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return [];
  const all = args as Record<string, unknown>;
  const out: StatSample[] = [];
  // for-in over a JSON.parse result sees only own keys and is ~2x faster than Object.entries.
  for (const name in all) {
    const series = all[name];
    const sample = statSample(name, Array.isArray(series) && Array.isArray(series[0]) ? (series[0] as unknown[])[0] : undefined);
    if (sample) out.push(sample);
  }
  return out;
}

/** One statistic's sample from its name and newest value; undefined when the value is none
 * (see parseStatistics). Throws `limit` for a name longer than MAX_STAT_NAME_CHARS. */
export function statSample(name: string, newest: unknown): StatSample | undefined {
  checkStatName(name);
  const value = toValue(newest);
  return value === undefined ? undefined : { ...statScope(name), value };
}

/** Throws `limit` for a name longer than MAX_STAT_NAME_CHARS: not Kea's. */
export function checkStatName(name: string): void {
  if (name.length > MAX_STAT_NAME_CHARS)
    throw new KeaError('limit', `statistic-get-all: a statistic name of ${name.length} characters, more than the ${MAX_STAT_NAME_CHARS} accepted`);
}

export function toValue(v: unknown): number | undefined {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint')
    n = Number(v); // rounds to nearest, overflows to ±Infinity
  else return undefined;
  if (n === Infinity) return Number.MAX_VALUE;
  if (n === -Infinity) return -Number.MAX_VALUE;
  return n === n ? n : undefined; // NaN: not from JSON, but callers may hand us anything
}

/** The scope of a statistic from its name. A plain scan instead of a regex: 50,000 names on a
 * 5,000-subnet server, scanned once each (the reader keeps their scopes). */
export function statScope(name: string): StatScope {
  if (name.startsWith('subnet[')) {
    const close = name.indexOf(']', 7);
    const subnetId = digits(name, 7, close);
    if (subnetId !== undefined && name.charCodeAt(close + 1) === DOT) {
      const rest = close + 2;
      if (name.startsWith('pool[', rest)) {
        const scope = inner(name, rest + 5, subnetId, false);
        if (scope) return scope;
      } else if (name.startsWith('pd-pool[', rest)) {
        const scope = inner(name, rest + 8, subnetId, true);
        if (scope) return scope;
      } else if (rest < name.length) {
        return { name, stat: statName(name, rest), subnetId };
      }
    }
  } else if (name.startsWith('key[')) {
    // TSIG key names are domain names: dots inside, so look for the closing "]." pair.
    const close = name.indexOf('].', 4);
    if (close > 4 && close + 2 < name.length) return { name, stat: statName(name, close + 2), key: name.slice(4, close) };
  }
  return { name, stat: name };
}

function inner(name: string, from: number, subnetId: number, pd: boolean): StatScope | undefined {
  const close = name.indexOf(']', from);
  const id = digits(name, from, close);
  if (id === undefined || name.charCodeAt(close + 1) !== DOT || close + 2 >= name.length) return undefined;
  const stat = statName(name, close + 2);
  return pd ? { name, stat, subnetId, pdPoolId: id } : { name, stat, subnetId, poolId: id };
}

/** A copy of `s` in a string of its own: no slice of it (which keeps all of `s`), no tree of
 * the pieces it was built from. A statistic's name is held for as long as Kea reports it. */
export function flatCopy(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/** Statistics' scopes as daemons share them: an HA pair's partners, and sites set up from one
 * template, report the same names; each name and its scope are held once, not once per daemon
 * (~120 bytes of each of a fleet's 500,000 series). Bounded in names and in characters (names
 * may be 512 long): when full, it starts again (a scope already handed out stays with the
 * readers that hold it). */
const sharedScopes = new Map<string, StatScope>();
let sharedChars = 0;
const MAX_SHARED_NAMES = 1 << 16;
const MAX_SHARED_CHARS = 1 << 22;

/** The one scope of this name, its name flat and of its own (flatCopy), shared with other
 * daemons'. */
export function sharedScope(name: string): StatScope {
  const known = sharedScopes.get(name);
  if (known !== undefined) return known;
  if (sharedScopes.size >= MAX_SHARED_NAMES || sharedChars >= MAX_SHARED_CHARS) {
    sharedScopes.clear();
    sharedChars = 0;
  }
  const scope = Object.freeze(statScope(flatCopy(name)));
  sharedScopes.set(scope.name, scope);
  sharedChars += name.length;
  return scope;
}

/** Statistic names without their scope (Kea has a few dozen): one string each, not a slice per
 * statistic (32 bytes for each of a fleet's 500,000). Bounded: past the cap, a slice. */
const statNames = new Map<string, string>();
const MAX_STAT_NAMES = 4096;

function statName(name: string, from: number): string {
  const stat = name.slice(from);
  const known = statNames.get(stat);
  if (known !== undefined) return known;
  if (statNames.size >= MAX_STAT_NAMES) return stat;
  const own = flatCopy(stat);
  statNames.set(own, own);
  return own;
}

/** Decimal digits in [from, to); undefined unless 1..15 digits (IDs are uint32 in Kea). */
function digits(s: string, from: number, to: number): number | undefined {
  if (to <= from || to - from > 15) return undefined;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n;
}
