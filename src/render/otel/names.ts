/** How a /metrics family becomes an OTel instrument such that the usual OTLP -> Prometheus
 * translation (the Collector's prometheus exporter, Prometheus' OTLP receiver, both adding
 * suffixes) gives the /metrics name back: the unit travels as `unit` and comes back as a
 * suffix, and monotonic sums get `_total` back. */
export interface OtelName {
  name: string;
  unit: string;
}

/** Unit suffixes the translation appends (UCUM unit -> Prometheus suffix). */
const UNITS: readonly [suffix: string, unit: string][] = [
  ['_seconds', 's'],
  ['_bytes', 'By'],
];

export function otelName(promName: string, type: 'gauge' | 'counter'): OtelName {
  const name = type === 'counter' ? promName.replace(/_total$/, '') : promName;
  for (const [suffix, unit] of UNITS) {
    if (name.endsWith(suffix)) return { name: name.slice(0, -suffix.length), unit };
  }
  // "1" comes back as _ratio on gauges only.
  if (type === 'gauge' && name.endsWith('_ratio')) return { name: name.slice(0, -'_ratio'.length), unit: '1' };
  return { name, unit: '' };
}

/** The translation's side, for tests and the table in docs/opentelemetry.md: OTel name + unit -> Prometheus name. */
export function prometheusName(n: OtelName, type: 'gauge' | 'counter'): string {
  let name = n.name.replace(/[^a-zA-Z0-9_:]/g, '_');
  const suffix = UNITS.find(([, unit]) => unit === n.unit)?.[0] ?? (n.unit === '1' && type === 'gauge' ? '_ratio' : '');
  if (suffix && !name.endsWith(suffix)) name += suffix;
  if (type === 'counter' && !name.endsWith('_total')) name += '_total';
  return name;
}
