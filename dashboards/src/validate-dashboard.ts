/**
 * Validates dashboard JSON against Grafana's published schema (grafana-schema.ts): the dashboard
 * against `Dashboard`, each panel against `Panel` or `RowPanel`, its `options` against its
 * plugin's `Options` and its `fieldConfig.defaults.custom` against the plugin's `FieldConfig`.
 * Problems come back one a line, with the JSON path and the panel they are in.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { grafanaSchemas, pluginDir, SCHEMA_PACKAGE, type GrafanaSchemas } from './grafana-schema.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Located {
  /** JSON pointer from the dashboard's root. */
  at: string;
  value: unknown;
}

/** Every panel with its JSON pointer, the panels nested in rows included. */
export function panelsOf(dashboard: unknown): Located[] {
  const out: Located[] = [];
  const walk = (panels: unknown, at: string) => {
    if (!Array.isArray(panels)) return;
    panels.forEach((p: unknown, i) => {
      out.push({ at: `${at}/${i}`, value: p });
      if (isObj(p) && p.type === 'row') walk(p.panels, `${at}/${i}/panels`);
    });
  };
  if (isObj(dashboard)) walk(dashboard.panels, '/panels');
  return out;
}

function describe(e: ErrorObject): string {
  const p = e.params as Obj;
  if (e.keyword === 'additionalProperties') return `${e.message}: "${String(p.additionalProperty)}"`;
  if (e.keyword === 'enum') return `${e.message}: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'const') return `${e.message}: ${JSON.stringify(p.allowedValue)}`;
  return e.message ?? e.keyword;
}

export class DashboardValidator {
  readonly schemaVersion: number;
  private readonly dashboard: ValidateFunction;
  private readonly panel: ValidateFunction;
  private readonly row: ValidateFunction;
  private readonly options = new Map<string, ValidateFunction>();
  private readonly custom = new Map<string, ValidateFunction>();

  constructor(schemas: GrafanaSchemas) {
    // strict: a schema keyword ajv does not know is an error, not silently ignored; union types
    // (`type: ["boolean", "number"]`, for TypeScript's `boolean | number`) are plain JSON Schema.
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addSchema(schemas.dashboard, 'dashboard');
    this.dashboard = ajv.compile({ $ref: 'dashboard' });
    this.panel = ajv.compile({ $ref: 'dashboard#/definitions/Panel' });
    this.row = ajv.compile({ $ref: 'dashboard#/definitions/RowPanel' });
    for (const [type, s] of schemas.plugins) {
      this.options.set(type, ajv.compile(s.options));
      if (s.fieldConfig) this.custom.set(type, ajv.compile(s.fieldConfig));
    }
    this.schemaVersion = schemas.schemaVersion;
  }

  /** A validator for every panel type these dashboards use. */
  static for(dashboards: readonly unknown[]): DashboardValidator {
    const types = dashboards.flatMap((d) => panelsOf(d).map((p) => (isObj(p.value) && typeof p.value.type === 'string' ? p.value.type : '')));
    return new DashboardValidator(grafanaSchemas(types.filter((t) => t !== '')));
  }

  /** The problems of one dashboard, one a line ("" none): `<path> [in panel "title" (type)]: <what>`. */
  validate(dashboard: unknown): string[] {
    const panels = panelsOf(dashboard);
    const problems: string[] = [];
    const report = (fn: ValidateFunction, value: unknown, at: string, where: string, skip = (_path: string) => false) => {
      if (fn(value)) return;
      for (const e of fn.errors ?? []) if (!skip(e.instancePath)) problems.push(`${at}${e.instancePath}${where}: ${describe(e)}`);
    };
    // Panels one by one against the definition their type names, as Grafana reads them: the
    // dashboard's `panels` is anyOf Panel | RowPanel, whose errors name both branches.
    for (const { at, value } of panels) {
      const p = isObj(value) ? value : {};
      const type = typeof p.type === 'string' ? p.type : '';
      const where = ` in panel ${JSON.stringify(p.title ?? '')} (${type || 'no type'})`;
      if (type === 'row') {
        // Its nested panels are checked on their own (they are in `panels` too).
        report(this.row, value, at, where, (path) => path.startsWith('/panels/'));
        continue;
      }
      report(this.panel, value, at, where);
      const options = this.options.get(type);
      if (!options) {
        problems.push(`${at}/type${where}: no panel schema in ${SCHEMA_PACKAGE} (no ${pluginDir(type)})`);
        continue;
      }
      if ('options' in p) report(options, p.options, `${at}/options`, where);
      const defaults = isObj(p.fieldConfig) && isObj(p.fieldConfig.defaults) ? p.fieldConfig.defaults : {};
      if (!('custom' in defaults)) continue;
      const custom = this.custom.get(type);
      if (custom) report(custom, defaults.custom, `${at}/fieldConfig/defaults/custom`, where);
      else if (!isObj(defaults.custom) || Object.keys(defaults.custom).length > 0)
        problems.push(`${at}/fieldConfig/defaults/custom${where}: the ${type} plugin's schema has no FieldConfig`);
    }
    // The rest of the dashboard; what lies inside a panel was reported above.
    if (!this.dashboard(dashboard)) {
      for (const e of this.dashboard.errors ?? []) {
        const at = e.instancePath;
        if (!panels.some((p) => at === p.at || at.startsWith(`${p.at}/`))) problems.push(`${at || '/'}: ${describe(e)}`);
      }
    }
    return problems;
  }
}
