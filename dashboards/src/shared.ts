/** What every kea-telemetry dashboard shares: the datasource, the template variables, the
 * dashboard frame and the query builder. Panel helpers are in panels.ts. */
import {
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

/** A multi-value label variable; All is `.*`, which also matches series without the label. */
export function labelVariable(name: string, label: string, query: string): QueryVariableBuilder {
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
      .allValue('.*')
      .current({ selected: true, text: ['All'], value: ['$__all'] })
  );
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  time?: string;
  /** Extra variables after datasource, target and daemon. */
  variables?: QueryVariableBuilder[];
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
    .withVariable(labelVariable('target', 'Target', 'label_values(kea_up, target)'))
    .withVariable(labelVariable('daemon', 'Daemon', 'label_values(kea_up{target=~"$target"}, daemon)'));
  for (const v of spec.variables ?? []) b.withVariable(v);
  return b;
}

/** Builds, then numbers panels and rows in order (the builder leaves ids unset or 0), so the JSON
 * is the same on every run. */
export function finish(b: DashboardBuilder): Dashboard {
  const d = b.build();
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
