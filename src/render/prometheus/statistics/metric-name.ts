/**
 * A Prometheus metric name for a statistic nobody mapped, made from Kea's own name so that
 * `promtool check metrics` (its linter, client_golang's promlint) accepts it: lowercase, no
 * part that reads as a unit abbreviation, a non-base unit or a metric type, and no suffix
 * reserved for counters, histograms and summaries. Found by the fuzz: a dhcp6 statistic
 * reported by another daemon, `pkt6-not-for-us`, gave `kea_dhcp4_pkt6_not_for_us`, which
 * promtool rejects ("abbreviated units"). Pure.
 */

/** promlint's abbreviations ("s", "ms", "us", ...) and metric types, as whole `_` parts. */
const BANNED_PARTS = new Set(['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd', 'counter', 'gauge', 'histogram', 'summary']);
const BASE_UNITS = ['amperes', 'bytes', 'celsius', 'grams', 'joules', 'kelvin', 'meters', 'metres', 'seconds', 'volts'];
const NON_BASE_UNITS = new Set([
  'minutes',
  'hours',
  'days',
  'weeks',
  'kelvins',
  'fahrenheit',
  'rankine',
  'inches',
  'yards',
  'miles',
  'bits',
  'calories',
  'pounds',
  'ounces',
]);
const PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kila', 'mega', 'giga', 'tera', 'peta', 'exa', 'zetta', 'yotta'];
/** Suffixes promtool accepts only on counters (_total) or histograms and summaries. */
const RESERVED_SUFFIXES = new Set(['total', 'count', 'sum', 'bucket']);

function banned(part: string): boolean {
  if (BANNED_PARTS.has(part) || NON_BASE_UNITS.has(part)) return true;
  // A prefixed unit ("milliseconds", "kilobytes"): promtool wants the base unit.
  return PREFIXES.some(
    (p) => part.length > p.length && part.startsWith(p) && (BASE_UNITS.includes(part.slice(p.length)) || NON_BASE_UNITS.has(part.slice(p.length))),
  );
}

/** Kea's name as snake_case: every run of other characters one `_`, lowercase. */
export function snakeCase(stat: string): string {
  const s = stat
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return s === '' ? 'unnamed' : s;
}

/** `prefix` (e.g. "kea_dhcp4_subnet_", lint-clean itself) + the sanitised stat, with each banned
 * part joined to the part before it ("not_for_us" -> "not_forus") and a reserved suffix moved
 * off the end ("_total" -> "_total_unmapped"). */
export function unmappedMetricName(prefix: string, stat: string): string {
  const parts = `${prefix}${snakeCase(stat)}`.split('_');
  const out: string[] = [];
  for (const part of parts) {
    let p = part;
    // Joining can build a banned part ("millisecond" + "s"): keep joining backwards.
    while (out.length > 0 && banned(p)) p = out.pop()! + p;
    out.push(p);
  }
  if (RESERVED_SUFFIXES.has(out[out.length - 1]!)) out.push('unmapped');
  return out.join('_');
}
