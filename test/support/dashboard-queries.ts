/** Every panel query of the generated dashboards (dashboards/grafana/*.json, what Grafana loads),
 * with the dashboards' variables at their defaults: the one list the live-Prometheus tests and the
 * bench run. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { panelQueries, substituteVariables, type PanelQuery } from '../../dashboards/src/queries.js';

export const DASHBOARDS_DIR = fileURLToPath(new URL('../../dashboards/grafana/', import.meta.url));

export interface DashboardQuery extends PanelQuery {
  /** `expr` with every variable substituted, ready for Prometheus. */
  query: string;
}

/** In file order, then panel order; `vars` over VARIABLE_DEFAULTS. Throws when there are no dashboards. */
export function dashboardQueries(vars: Readonly<Record<string, string>> = {}): DashboardQuery[] {
  const files = readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (!files.length) throw new Error(`no dashboards in ${DASHBOARDS_DIR} (npm run dashboards writes them)`);
  return files.flatMap((f) => panelQueries(readFileSync(join(DASHBOARDS_DIR, f), 'utf8')).map((q) => ({ ...q, query: substituteVariables(q.expr, vars) })));
}

/** `dashboard / panel / refId`, how failures name a query. */
export const queryName = (q: PanelQuery): string => `${q.dashboard} / ${q.panel} / ${q.refId}`;
