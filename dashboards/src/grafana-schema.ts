/**
 * Grafana's published dashboard schema as JSON Schema. No Grafana package on the npm registry ships
 * a JSON Schema; @grafana/schema ships the TypeScript types that Grafana generates (cuetsy) from
 * its CUE kinds: the classic dashboard (`Dashboard`, `Panel`, ...) and, per panel plugin, the
 * panel's `Options` and `FieldConfig`. ts-json-schema-generator turns those types into JSON Schema
 * here, at test time (about a second), so there is no generated file to go stale.
 */
import { defaultDashboard } from '@grafana/schema';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createGenerator, type Schema } from 'ts-json-schema-generator';
import ts from 'typescript';

const PACKAGE = '@grafana/schema';
const PACKAGE_DIR = dirname(createRequire(import.meta.url).resolve(`${PACKAGE}/package.json`));
/** Where this package's 11.x/12.x line keeps the generated types (later majors moved them). */
const DASHBOARD_TYPES = join(PACKAGE_DIR, 'dist/esm/raw/dashboard/x/dashboard_types.gen.d.ts');

export const SCHEMA_PACKAGE = `${PACKAGE}@${(JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version}`;

/**
 * Definitions that Grafana's CUE leaves open with `...` (kinds/dashboard/dashboard_kind.cue at
 * v11.6.0: "datasources spread their query into the base object", and variables carry
 * type-specific keys such as an interval variable's `auto_count`). cuetsy drops the `...` from the
 * TypeScript, so the types alone would close them; every other object stays closed as published.
 */
export const OPEN_IN_CUE = ['AnnotationQuery', 'AnnotationTarget', 'VariableModel'] as const;

export interface PluginSchemas {
  /** The plugin's `Options`: a panel's `options`. */
  options: Schema;
  /** The plugin's `FieldConfig`: a panel's `fieldConfig.defaults.custom`; absent when the plugin has none. */
  fieldConfig?: Schema;
}

export interface GrafanaSchemas {
  /** `Dashboard`, with every definition it uses (`Panel`, `RowPanel`, ...). */
  dashboard: Schema;
  /** By panel type id (`timeseries`, `state-timeline`, ...). */
  plugins: Map<string, PluginSchemas>;
  /** The schemaVersion this dashboard schema describes: the package's own default. */
  schemaVersion: number;
}

/** Where @grafana/schema keeps a panel plugin's types: by its id without case or dashes (`state-timeline` -> statetimeline). */
export function pluginDir(panelType: string): string {
  return `dist/esm/raw/composable/${panelType.toLowerCase().replace(/[^a-z0-9]/g, '')}/panelcfg/x`;
}

function pluginTypesFile(panelType: string): string | undefined {
  const dir = join(PACKAGE_DIR, pluginDir(panelType));
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.d.ts')) : undefined;
  return file && join(dir, file);
}

function exported(sf: ts.SourceFile, name: string): ts.Node | undefined {
  return sf.statements.find((s) => (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name.text === name);
}

/** JSON Schemas of the dashboard and of the given panel types, from the installed @grafana/schema. */
export function grafanaSchemas(panelTypes: Iterable<string>): GrafanaSchemas {
  const types = [...new Set(panelTypes)].filter((t) => t !== 'row').sort();
  // A type without a panel schema gets none: the validator reports it at each of its panels.
  const files = new Map(
    types.flatMap((t) => {
      const f = pluginTypesFile(t);
      return f ? [[t, f] as const] : [];
    }),
  );
  // Only the package's declarations and the ES library: no @types/* (the program then loads in ~0.5 s).
  const program = ts.createProgram([DASHBOARD_TYPES, ...files.values()], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
  });
  // additionalProperties: false is what a TypeScript interface means for an object literal: no keys
  // but the declared ones (a `Record<string, unknown>` field stays open).
  const generator = createGenerator({ tsProgram: program, skipTypeCheck: true, additionalProperties: false, expose: 'export', topRef: true, jsDoc: 'none' });
  const schemaOf = (file: string, name: string, required: boolean): Schema | undefined => {
    const sf = program.getSourceFile(file);
    const node = sf && exported(sf, name);
    if (!node) {
      if (required) throw new Error(`${file} exports no ${name}`);
      return undefined;
    }
    return generator.createSchemaFromNodes([node]);
  };

  const dashboard = schemaOf(DASHBOARD_TYPES, 'Dashboard', true) as Schema;
  const defs = dashboard.definitions ?? {};
  for (const name of OPEN_IN_CUE) {
    const def = defs[name];
    if (typeof def !== 'object' || def.additionalProperties !== false) throw new Error(`${SCHEMA_PACKAGE}: ${name} is not a closed definition any more`);
    delete def.additionalProperties;
  }
  // The type says `number`; the schema is that of one schemaVersion (Grafana migrates older
  // dashboards on load, and a newer one is not for this release).
  const schemaVersion = defaultDashboard.schemaVersion;
  const dash = defs.Dashboard;
  const sv = typeof dash === 'object' ? dash.properties?.schemaVersion : undefined;
  if (typeof sv !== 'object') throw new Error(`${SCHEMA_PACKAGE}: Dashboard has no schemaVersion property`);
  sv.const = schemaVersion;

  const plugins = new Map<string, PluginSchemas>();
  for (const [type, file] of files) {
    const fieldConfig = schemaOf(file, 'FieldConfig', false);
    plugins.set(type, { options: schemaOf(file, 'Options', true) as Schema, ...(fieldConfig ? { fieldConfig } : {}) });
  }
  return { dashboard, plugins, schemaVersion };
}
