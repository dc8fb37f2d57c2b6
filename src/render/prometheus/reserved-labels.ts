import { perfmonCollector } from './perfmon.js';
import { COLLECTORS } from './registry.js';
import { statisticsCollector } from './statistics.js';
import { SCOPE_LABELS } from './statistics/scope-labels.js';

/** Every per-daemon series carries these first (registry.ts), then the target's own labels. */
const OWNER_LABELS = ['target', 'daemon'];
/** Prometheus gives these a meaning of their own (histogram buckets, summary quantiles). */
const PROMETHEUS_LABELS = ['le', 'quantile'];

let reserved: ReadonlySet<string> | undefined;

/**
 * The label names a target's `labels:` may not use, because the exporter sets them itself on
 * the same series (a target label of that name would be accepted and then overwritten): the
 * owner labels and every label of every family a collector may emit, in both statistics
 * namings, unmapped statistics (their scope's labels) and PerfMon's included. Derived from the declared
 * families, so a new family label is reserved as it is added. config/ cannot import the
 * renderers: the composition root (cli.ts) hands this set to the config loader.
 */
export function reservedLabels(): ReadonlySet<string> {
  reserved ??= new Set([
    ...OWNER_LABELS,
    ...PROMETHEUS_LABELS,
    ...[...COLLECTORS, statisticsCollector('default'), statisticsCollector('kea-exporter'), perfmonCollector].flatMap((c) =>
      c.metrics.flatMap((m) => m.labels ?? []),
    ),
    ...Object.values(SCOPE_LABELS).flatMap((byScope) => Object.values(byScope).flat()),
  ]);
  return reserved;
}
