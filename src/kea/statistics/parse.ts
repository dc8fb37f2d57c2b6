import { KeaError } from '../../errors.js';
import { MAX_STAT_NAME_CHARS } from '../limits.js';

/** One Kea statistic, newest sample only, with its scope taken out of the name. */
export interface StatSample {
  /** Kea's name of the statistic, whole: `subnet[3].pool[0].assigned-addresses`. */
  name: string;
  /** The name without its scope: `subnet[3].pool[0].assigned-addresses` → `assigned-addresses`. */
  stat: string;
  subnetId?: number;
  /** Kea's pool ID (the pool's `pool-id`, 0 when unset), NOT its position in `pools`. */
  poolId?: number;
  pdPoolId?: number;
  /** kea-dhcp-ddns per-TSIG-key statistics: `key[<name>].update-sent`. */
  key?: string;
  value: number;
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
  if (name.length > MAX_STAT_NAME_CHARS)
    throw new KeaError('limit', `statistic-get-all: a statistic name of ${name.length} characters, more than the ${MAX_STAT_NAME_CHARS} accepted`);
  const value = toValue(newest);
  return value === undefined ? undefined : scoped(name, value);
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

/** A plain scan instead of a regex: 50,000 names per poll on a 5,000-subnet server. */
function scoped(name: string, value: number): StatSample {
  if (name.startsWith('subnet[')) {
    const close = name.indexOf(']', 7);
    const subnetId = digits(name, 7, close);
    if (subnetId !== undefined && name.charCodeAt(close + 1) === DOT) {
      const rest = close + 2;
      if (name.startsWith('pool[', rest)) {
        const sample = inner(name, rest + 5, subnetId, value, false);
        if (sample) return sample;
      } else if (name.startsWith('pd-pool[', rest)) {
        const sample = inner(name, rest + 8, subnetId, value, true);
        if (sample) return sample;
      } else if (rest < name.length) {
        return { name, stat: statName(name, rest), subnetId, value };
      }
    }
  } else if (name.startsWith('key[')) {
    // TSIG key names are domain names: dots inside, so look for the closing "]." pair.
    const close = name.indexOf('].', 4);
    if (close > 4 && close + 2 < name.length) return { name, stat: statName(name, close + 2), key: name.slice(4, close), value };
  }
  return { name, stat: name, value };
}

function inner(name: string, from: number, subnetId: number, value: number, pd: boolean): StatSample | undefined {
  const close = name.indexOf(']', from);
  const id = digits(name, from, close);
  if (id === undefined || name.charCodeAt(close + 1) !== DOT || close + 2 >= name.length) return undefined;
  const stat = statName(name, close + 2);
  return pd ? { name, stat, subnetId, pdPoolId: id, value } : { name, stat, subnetId, poolId: id, value };
}

/** A copy of `s` in a string of its own: no slice of it (which keeps all of `s`), no tree of
 * the pieces it was built from. A statistic's name is held for as long as Kea reports it. */
export function flatCopy(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/** Whole statistic names as daemons share them: an HA pair's partners, and sites set up from one
 * template, report the same names; each is held once, not once per daemon (57 bytes of each of a
 * fleet's 500,000 series). Bounded in names and in characters (names may be 512 long): when
 * full, it starts again (a name already handed out stays with the readers that hold it). */
const sharedNames = new Map<string, string>();
let sharedChars = 0;
const MAX_SHARED_NAMES = 1 << 16;
const MAX_SHARED_CHARS = 1 << 22;

/** The one copy of this name, flat and of its own (flatCopy), shared with other daemons'. */
export function sharedName(name: string): string {
  const known = sharedNames.get(name);
  if (known !== undefined) return known;
  if (sharedNames.size >= MAX_SHARED_NAMES || sharedChars >= MAX_SHARED_CHARS) {
    sharedNames.clear();
    sharedChars = 0;
  }
  const own = flatCopy(name);
  sharedNames.set(own, own);
  sharedChars += own.length;
  return own;
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
