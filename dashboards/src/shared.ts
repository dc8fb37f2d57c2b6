/** What every kea-telemetry dashboard shares: the datasource, the template variables, the
 * dashboard frame and the query builder. Panel helpers are in panels.ts. */
import {
  AnnotationQueryBuilder,
  CustomVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type DataSourceRef,
  type RowPanel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';

export const TAGS = ['kea', 'kea-telemetry'];

/** Every panel and query points at the `datasource` variable, never at a datasource uid, so the
 * JSON imports into any Grafana. */
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** The label filter of every per-daemon series. */
export const SEL = 'target=~"$target", daemon=~"$daemon"';

/** `metric{target=~"$target", daemon=~"$daemon"[, extra]}` */
export function m(metric: string, extra = ''): string {
  return `${metric}{${SEL}${extra ? `, ${extra}` : ''}}`;
}

/** What All of the target and daemon variables matches: every per-daemon series has both labels,
 * and `.+` leaves out series of the same names from other exporters (ISC Stork's agent exports
 * kea_dhcp4_packets_* without them). */
export const ANY_DAEMON = '.+';

/** A multi-value label variable; All is `.*` (which also matches series without the label) unless `all` says otherwise. */
export function labelVariable(name: string, label: string, query: string, all = '.*'): QueryVariableBuilder {
  return (
    new QueryVariableBuilder(name)
      .label(label)
      .datasource(DATASOURCE)
      // The shape Grafana 11's Prometheus variable editor saves for a label_values() query.
      .query({ qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .sort(VariableSort.AlphabeticalAsc)
      .multi(true)
      .includeAll(true)
      .allValue(all)
      .current({ selected: true, text: ['All'], value: ['$__all'] })
  );
}

/** How many series a top-N panel shows: a choice, so that no default query of a 5,000-subnet
 * site plots thousands of series (the default keeps every panel at or under 50). */
export const TOP_N = { name: 'topn', default: 10, choices: [5, 10, 20, 50] } as const;

export function topNVariable(): CustomVariableBuilder {
  const text = String(TOP_N.default);
  return new CustomVariableBuilder(TOP_N.name)
    .label('Top N')
    .description('How many subnets, pools or shared networks the top-N panels show.')
    .values(TOP_N.choices.join(','))
    .current({ selected: true, text, value: text })
    .options(TOP_N.choices.map((n) => ({ selected: n === TOP_N.default, text: String(n), value: String(n) })));
}

/** Events every time-series dashboard marks, from series that already exist: each expr is non-zero
 * for a step or two after its event (windows of two minutes hold two samples even at a 1m scrape
 * interval). Restarts use uptime going down, as KeaDaemonRestarted does, so a restart of the
 * exporter marks nothing. */
export const ANNOTATIONS = [
  {
    name: 'Daemon restarts',
    color: 'red',
    expr: `resets(kea_uptime_seconds{${SEL}}[2m]) > 0`,
    title: 'Restart',
    text: '{{target}} {{daemon}} restarted',
  },
  {
    name: 'Configuration changes',
    color: 'blue',
    expr: `increase(kea_config_changes_observed_total{${SEL}}[2m]) > 0`,
    title: 'Configuration',
    text: '{{target}} {{daemon}} runs a new configuration',
  },
  {
    name: 'HA state changes',
    color: 'orange',
    // The state now, on the servers whose transitions counter moved: the text names the new state.
    expr: `(kea_ha_state{${SEL}} == 1) and on (job, instance, target, daemon, relationship) ` + `(increase(kea_ha_state_transitions_total{${SEL}}[2m]) > 0)`,
    title: 'HA',
    text: '{{target}} {{daemon}} ({{relationship}}) is {{state}}',
  },
] as const;

function annotation(a: (typeof ANNOTATIONS)[number]): AnnotationQueryBuilder {
  return new AnnotationQueryBuilder().name(a.name).datasource(DATASOURCE).enable(true).iconColor(a.color).expr(a.expr);
}

/** Fields the Prometheus datasource reads from an annotation and the SDK has no builder for. */
function annotationDisplay(list: { name: string }[]): void {
  for (const q of list) {
    const a = ANNOTATIONS.find((x) => x.name === q.name);
    if (a) Object.assign(q, { step: '1m', titleFormat: a.title, textFormat: a.text, tagKeys: 'target,daemon', useValueForTime: false });
  }
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  time?: string;
  /** Extra variables after datasource, target and daemon. */
  variables?: (QueryVariableBuilder | CustomVariableBuilder)[];
}

export function dashboard(spec: DashboardSpec): DashboardBuilder {
  const b = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(TAGS)
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: spec.time ?? 'now-6h', to: 'now' })
    .timezone('browser')
    .link(
      new DashboardLinkBuilder('kea-telemetry').type(DashboardLinkType.Dashboards).tags(['kea-telemetry']).asDropdown(true).includeVars(true).keepTime(true),
    )
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(labelVariable('target', 'Target', 'label_values(kea_up, target)', ANY_DAEMON))
    .withVariable(labelVariable('daemon', 'Daemon', 'label_values(kea_up{target=~"$target"}, daemon)', ANY_DAEMON))
    .annotations(ANNOTATIONS.map(annotation));
  for (const v of spec.variables ?? []) b.withVariable(v);
  return b;
}

/** Builds, then numbers panels and rows in order (the builder leaves ids unset or 0), so the JSON
 * is the same on every run. */
export function finish(b: DashboardBuilder): Dashboard {
  const d = b.build();
  annotationDisplay(d.annotations?.list ?? []);
  let id = 1;
  for (const p of d.panels ?? []) {
    p.id = id++;
    if (p.type === 'row') for (const nested of (p as RowPanel).panels) nested.id = id++;
  }
  return d;
}

export interface Query {
  expr: string;
  legend?: string;
  /** Latest value only (tables, bar gauges); range otherwise. */
  instant?: boolean;
  /** Table format: one column per label, as table panels want. */
  table?: boolean;
}

/** Prometheus queries with refIds A, B, ... in order. */
export function targets(queries: Query[]): DataqueryBuilder[] {
  return queries.map((q, i) => {
    const b = new DataqueryBuilder()
      .refId(String.fromCharCode(65 + i))
      .datasource(DATASOURCE)
      .expr(q.expr)
      .legendFormat(q.legend ?? '__auto');
    if (q.instant) b.instant();
    else b.range();
    if (q.table) b.format(PromQueryFormat.Table);
    return b;
  });
}
