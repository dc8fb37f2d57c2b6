/** What OpenMetrics asks beyond what prom-client writes for the classic text format. */

interface Named {
  name: string;
  type: string;
}

/** OpenMetrics names a counter family without _total (its samples keep it). prom-client's own
 * metrics() renames the shared metric object in place, which would then break the text format;
 * a view with its own name, inheriting everything else, leaves the metric alone. */
export function openMetricsView<M extends Named>(metric: M): M {
  if (metric.type !== 'counter') return metric;
  return Object.create(metric, { name: { value: metric.name.replace(/_total$/, '') } }) as M;
}

const HELP = '# HELP ';

/** prom-client escapes backslash and newline in HELP, as both formats ask, but OpenMetrics also
 * forbids a bare double quote there (its escaped-string) and prom-client leaves it: HELP text of
 * unmapped Kea statistics quotes the statistic's name. After prom-client's escaping every `"` left
 * is a bare one, so escaping it now cannot double an escape. Only the HELP line is touched. */
export function escapeOpenMetricsHelp(family: string): string {
  if (!family.startsWith(HELP)) return family;
  const end = family.indexOf('\n');
  const line = end < 0 ? family : family.slice(0, end);
  if (!line.includes('"')) return family;
  return line.replaceAll('"', '\\"') + (end < 0 ? '' : family.slice(end));
}
