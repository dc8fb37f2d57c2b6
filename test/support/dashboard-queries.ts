/** Every panel query of the generated dashboards (dashboards/grafana/*.json, what Grafana loads),
 * with the dashboards' variables at their defaults: the one list the live-Prometheus tests and the
 * bench run. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { annotationQueries, panelQueries, substituteVariables, type PanelQuery } from '../../dashboards/src/queries.js';

export const DASHBOARDS_DIR = fileURLToPath(new URL('../../dashboards/grafana/', import.meta.url));

export interface DashboardQuery extends PanelQuery {
  /** `expr` with every variable substituted, ready for Prometheus. */
  query: string;
  /** The dashboard's default time range (`time.from` now-6h: 21,600 s). */
  rangeS: number;
}

const UNIT_S: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds of a dashboard's default range, `time.from` as `now-<n><unit>`. */
function defaultRangeS(dashboard: unknown, file: string): number {
  const from = (dashboard as { time?: { from?: unknown } }).time?.from;
  const m = typeof from === 'string' ? /^now-(\d+)([smhdw])$/.exec(from) : null;
  if (!m) throw new Error(`${file}: time.from ${JSON.stringify(from)} is not now-<n><unit>`);
  return Number(m[1]) * UNIT_S[m[2]!]!;
}

/** In file order, then panel order; `vars` over VARIABLE_DEFAULTS. Throws when there are no dashboards.
 * `annotations`: the annotation queries instead of the panels'. */
export function dashboardQueries(vars: Readonly<Record<string, string>> = {}, annotations = false): DashboardQuery[] {
  const files = readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (!files.length) throw new Error(`no dashboards in ${DASHBOARDS_DIR} (npm run dashboards writes them)`);
  return files.flatMap((f) => {
    const dashboard: unknown = JSON.parse(readFileSync(join(DASHBOARDS_DIR, f), 'utf8'));
    const rangeS = defaultRangeS(dashboard, f);
    return (annotations ? annotationQueries(dashboard) : panelQueries(dashboard)).map((q) => ({ ...q, query: substituteVariables(q.expr, vars), rangeS }));
  });
}

/** `dashboard / panel / refId`, how failures name a query. */
export const queryName = (q: PanelQuery): string => `${q.dashboard} / ${q.panel} / ${q.refId}`;
