/** The PromQL of generated dashboards, for tests that run it against a real Prometheus. */
import { ANY_DAEMON, TOP_N } from './shared.js';

export interface PanelQuery {
  /** Dashboard uid (title if it has none). */
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  /** Grafana asks it at one instant only (tables, bar gauges), never over the time range. */
  instant: boolean;
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Every target expr of every panel, panels nested in (collapsed) rows included, in order.
 * Accepts the dashboard object or its JSON text. */
export function panelQueries(dashboardJson: unknown): PanelQuery[] {
  const d: unknown = typeof dashboardJson === 'string' ? JSON.parse(dashboardJson) : dashboardJson;
  if (!isObject(d)) throw new TypeError('panelQueries: not a dashboard object');
  const dashboard = str(d.uid) || str(d.title);
  const out: PanelQuery[] = [];
  const walk = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const p of panels) {
      if (!isObject(p)) continue;
      for (const t of Array.isArray(p.targets) ? p.targets : []) {
        if (isObject(t) && typeof t.expr === 'string') {
          out.push({ dashboard, panel: str(p.title), refId: str(t.refId), expr: t.expr, instant: t.instant === true && t.range !== true });
        }
      }
      walk(p.panels);
    }
  };
  walk(d.panels);
  return out;
}

/** The expr of every annotation query (Prometheus ones carry it at the top level), as a
 * PanelQuery whose panel is `annotation: <name>`. */
export function annotationQueries(dashboardJson: unknown): PanelQuery[] {
  const d: unknown = typeof dashboardJson === 'string' ? JSON.parse(dashboardJson) : dashboardJson;
  if (!isObject(d)) throw new TypeError('annotationQueries: not a dashboard object');
  const list = isObject(d.annotations) && Array.isArray(d.annotations.list) ? d.annotations.list : [];
  return list
    .filter((a): a is JsonObject => isObject(a) && typeof a.expr === 'string')
    .map((a) => ({ dashboard: str(d.uid) || str(d.title), panel: `annotation: ${str(a.name)}`, refId: 'Anno', expr: str(a.expr), instant: false }));
}

/**
 * What substituteVariables puts in place of each variable the dashboards use: every value of the
 * label variables (their All: `.+` for target and daemon, else `.*`, which also matches a missing label), the top-N default and one minute for
 * Grafana's interval and range variables.
 */
export const VARIABLE_DEFAULTS: Readonly<Record<string, string>> = {
  datasource: 'prometheus',
  target: ANY_DAEMON,
  daemon: ANY_DAEMON,
  ha_pair: '.*',
  subnet: '.*',
  shared_network: '.*',
  pool: '.*',
  [TOP_N.name]: String(TOP_N.default),
  __rate_interval: '1m',
  __interval: '1m',
  __range: '1m',
  __rate_interval_ms: '60000',
  __interval_ms: '60000',
  __range_s: '60',
  __range_ms: '60000',
};

// Grafana's three spellings: ${name} or ${name:format}, [[name]] or [[name:format]], $name.
const VARIABLE = /\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g;

/** `expr` with every Grafana variable replaced (`vars` over VARIABLE_DEFAULTS), ready for
 * Prometheus. An unknown variable is an error rather than a `$` left in the query. */
export function substituteVariables(expr: string, vars: Readonly<Record<string, string>> = {}): string {
  const values: Readonly<Record<string, string>> = { ...VARIABLE_DEFAULTS, ...vars };
  return expr.replace(VARIABLE, (whole: string, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) throw new Error(`substituteVariables: unknown variable ${whole} in ${expr}`);
    return value;
  });
}
