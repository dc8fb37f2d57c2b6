import type { PerfmonSnapshot } from '../../snapshot.js';
import type { Collector, MetricDef } from './collector.js';
import { COMMAND_ERRORS } from './exporter.js';
import { SCOPE_LABELS, scopeLabels } from './statistics/scope-labels.js';

export const PERFMON_OCCURRENCES = 'kea_perfmon_occurrences_total';
export const PERFMON_DURATION = 'kea_perfmon_duration_seconds_total';
export const PERFMON_MAX = 'kea_perfmon_max_duration_seconds';
export const PERFMON_INTERVAL = 'kea_perfmon_interval_width_seconds';
export const PERFMON_LAST_SUCCESS = 'kea_exporter_perfmon_last_success_timestamp_seconds';
export const PERFMON_DROPPED = 'kea_exporter_perfmon_series_dropped';

/** A duration's labels: its subnet as the statistics label one, then what it measures. */
const DURATION_LABELS = [...SCOPE_LABELS.default.subnet, 'query', 'response', 'stage'];
// Division, not * 1e-6: 213428 / 1e6 prints as 0.213428, 213428 * 1e-6 as 0.21342799999999998.
const USECS_PER_SECOND = 1e6;

export const PERFMON_METRICS: readonly MetricDef[] = [
  {
    name: PERFMON_OCCURRENCES,
    type: 'counter',
    help: 'PerfMon: exchanges measured (query answered with response), summed over the completed intervals seen; subnet_id 0 is all subnets.',
    labels: DURATION_LABELS,
  },
  {
    name: PERFMON_DURATION,
    type: 'counter',
    help: 'PerfMon: time those exchanges spent in the stage, summed over the completed intervals seen (divide its rate by the occurrences rate for the mean).',
    labels: DURATION_LABELS,
  },
  { name: PERFMON_MAX, type: 'gauge', help: 'PerfMon: the longest exchange of the last completed interval in the stage.', labels: DURATION_LABELS },
  { name: PERFMON_INTERVAL, type: 'gauge', help: "PerfMon's interval-width-secs: how long each of its intervals lasts at least." },
  { name: PERFMON_LAST_SUCCESS, type: 'gauge', help: 'Unix time of the last successful perfmon-get-all-durations.' },
  { name: PERFMON_DROPPED, type: 'gauge', help: 'PerfMon duration keys left out of the last poll by statistics.maxSeries (3 series each).' },
];

/** PerfMon's durations of one DHCP daemon, only where it lists the command: nothing at all for
 * the others, and but the poll's health while the last poll failed. */
export const perfmonCollector: Collector<PerfmonSnapshot> = {
  metrics: PERFMON_METRICS,
  collect(s, emit) {
    if (!s.listed) return;
    if (s.lastSuccessAt !== undefined) emit(PERFMON_LAST_SUCCESS, s.lastSuccessAt / 1000);
    for (const [command, reasons] of Object.entries(s.errors)) {
      for (const [reason, n] of Object.entries(reasons)) emit(COMMAND_ERRORS, n ?? 0, { command, reason });
    }
    if (!s.up) return;
    if (s.intervalWidthSecs !== undefined) emit(PERFMON_INTERVAL, s.intervalWidthSecs);
    emit(PERFMON_DROPPED, s.dropped);
    for (const d of s.durations) {
      const { subnetId, query, response, stage } = d.last;
      const labels = { ...scopeLabels({ name: '', stat: '', subnetId }, s.subnets, 'default'), query, response, stage };
      emit(PERFMON_OCCURRENCES, d.occurrences, labels);
      emit(PERFMON_DURATION, d.totalUsecs / USECS_PER_SECOND, labels);
      if (d.maxUsecs !== undefined) emit(PERFMON_MAX, d.maxUsecs / USECS_PER_SECOND, labels);
    }
  },
};
