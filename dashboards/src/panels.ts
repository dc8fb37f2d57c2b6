/** Panel helpers with the settings every kea-telemetry panel shares. Each returns the SDK builder,
 * so a dashboard can chain more settings onto it. */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import {
  BarGaugeDisplayMode,
  BarGaugeNamePlacement,
  BarGaugeSizing,
  BarGaugeValueMode,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TableCellDisplayMode,
  TableCellHeight,
  TimelineValueAlignment,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizOrientation,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  FieldColorBuilder,
  FieldColorModeId,
  MappingType,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE, targets, type Query } from './shared.js';

export interface PanelSpec {
  title: string;
  description: string;
  /** Grafana unit id: s, percentunit, pps, ops, short, ... */
  unit: string;
  queries: Query[];
  /** Grid width (of 24) and height; default 12 x 8. */
  w?: number;
  h?: number;
}

/** The builder methods all panel kinds have. */
interface Common<T> {
  title(t: string): T;
  description(d: string): T;
  datasource(d: typeof DATASOURCE): T;
  unit(u: string): T;
  span(w: number): T;
  height(h: number): T;
  targets(t: ReturnType<typeof targets>): T;
}

function common<T extends Common<T>>(p: T, s: PanelSpec): T {
  return p
    .title(s.title)
    .description(s.description)
    .datasource(DATASOURCE)
    .unit(s.unit)
    .span(s.w ?? 12)
    .height(s.h ?? 8)
    .targets(targets(s.queries));
}

/** value -> [text, colour], e.g. { 1: ['up', 'green'], 0: ['down', 'red'] } */
export type ValueTexts = Readonly<Record<number, readonly [string, string]>>;

export function valueMappings(texts: ValueTexts): ValueMapping[] {
  const options = Object.fromEntries(Object.entries(texts).map(([v, [text, color]], index) => [v, { text, color, index }]));
  return [{ type: MappingType.ValueToText, options }];
}

/** [from value, colour] steps; the first applies from -Infinity. */
export function thresholds(steps: readonly (readonly [number | null, string])[]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps.map(([value, color]) => ({ value, color })));
}

/** Green up to 80 %, orange to 90 %, red above: for utilisation ratios. */
export const UTILISATION = thresholds([
  [null, 'green'],
  [0.8, 'orange'],
  [0.9, 'red'],
]);

function legend(asTable = false): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(asTable ? LegendDisplayMode.Table : LegendDisplayMode.List)
    .placement(LegendPlacement.Bottom)
    .calcs(asTable ? ['lastNotNull', 'max'] : []);
}

const lastValue = () => new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false).fields('');

export function timeSeries(s: PanelSpec & { legendTable?: boolean }): timeseries.PanelBuilder {
  return (
    common(new timeseries.PanelBuilder(), s)
      .lineWidth(1)
      .fillOpacity(10)
      .showPoints(VisibilityMode.Never)
      // Gaps stay gaps: a missing series means the daemon (or the exporter) was down.
      .spanNulls(false)
      .legend(legend(s.legendTable))
      .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending))
  );
}

export function statPanel(s: PanelSpec & { mappings?: ValueTexts; steps?: ThresholdsConfigBuilder; sparkline?: boolean }): stat.PanelBuilder {
  const p = common(new stat.PanelBuilder(), s)
    .reduceOptions(lastValue())
    .graphMode(s.sparkline ? BigValueGraphMode.Area : BigValueGraphMode.None)
    .colorMode(s.steps || s.mappings ? BigValueColorMode.Background : BigValueColorMode.None)
    .textMode(BigValueTextMode.Auto)
    .justifyMode(BigValueJustifyMode.Auto)
    .orientation(VizOrientation.Auto)
    .wideLayout(true)
    .showPercentChange(false)
    .thresholds(s.steps ?? thresholds([[null, 'text']]));
  if (s.mappings) p.mappings(valueMappings(s.mappings));
  return p;
}

/** One row per series, coloured and labelled by the value mappings. */
export function stateTimeline(s: PanelSpec & { mappings: ValueTexts }): statetimeline.PanelBuilder {
  return common(new statetimeline.PanelBuilder(), s)
    .mappings(valueMappings(s.mappings))
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
    .thresholds(thresholds([[null, 'text']]))
    .showValue(VisibilityMode.Auto)
    .mergeValues(true)
    .rowHeight(0.9)
    .alignValue(TimelineValueAlignment.Left)
    .fillOpacity(80)
    .lineWidth(0)
    .legend(legend())
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Single).sort(SortOrder.None));
}

/**
 * A table of instant queries in table format, merged on their labels. `columns` renames the
 * value columns ("Value" for one query, "Value #A", "Value #B", ... for several); Time and the
 * labels in `hide` are dropped.
 */
export function tablePanel(s: PanelSpec & { columns: Readonly<Record<string, string>>; hide?: readonly string[] }): table.PanelBuilder {
  const spec = { ...s, queries: s.queries.map((q) => ({ ...q, instant: true, table: true })) };
  const excludeByName = Object.fromEntries(['Time', ...(s.hide ?? [])].map((n) => [n, true]));
  // cellOptions: the table plugin's schema requires it (Grafana's UI writes the same default).
  return common(new table.PanelBuilder(), spec)
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({ id: 'organize', options: { excludeByName, renameByName: s.columns } })
    .cellHeight(TableCellHeight.Sm)
    .cellOptions({ type: TableCellDisplayMode.Auto })
    .showHeader(true)
    .filterable(true);
}

/** Horizontal bars of the latest values: top-N lists. */
export function barGauge(s: PanelSpec & { steps?: ThresholdsConfigBuilder }): bargauge.PanelBuilder {
  const spec = { ...s, queries: s.queries.map((q) => ({ ...q, instant: true })) };
  return common(new bargauge.PanelBuilder(), spec)
    .reduceOptions(lastValue())
    .displayMode(BarGaugeDisplayMode.Gradient)
    .valueMode(BarGaugeValueMode.Color)
    .namePlacement(BarGaugeNamePlacement.Auto)
    .orientation(VizOrientation.Horizontal)
    .showUnfilled(true)
    .sizing(BarGaugeSizing.Auto)
    .minVizWidth(8)
    .minVizHeight(16)
    .maxVizHeight(300)
    .thresholds(s.steps ?? thresholds([[null, 'green']]));
}
