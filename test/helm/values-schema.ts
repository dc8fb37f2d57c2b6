// The generated parts of helm/kea-telemetry/values.schema.json (the rest of the file is written by
// hand): `config` from the exporter's own zod schema (src/config/schema.ts), so a typo in a config
// key fails `helm lint` / `helm install` instead of the pod at start-up, and the alert names
// `prometheusRule.rules` accepts, from the rules file, with `threshold` for the alerts whose
// expression marks one (dashboards/prometheus/thresholds.ts). `npm run helm:sync` writes them;
// chart.test.ts fails when the committed file differs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { DURATION_RE } from '../../src/config/duration.js';
import { configFileSchema } from '../../src/config/schema.js';
import { duration } from '../../src/config/schema-parts.js';
import { thresholds } from '../../dashboards/prometheus/thresholds.js';
import { CHART_DIR, ROOT } from './paths.js';

export const SCHEMA_FILE = join(CHART_DIR, 'values.schema.json');
const RULES_FILE = join(ROOT, 'dashboards/prometheus/kea-telemetry.rules.yml');

type Json = Record<string, unknown>;

/** What prometheusRule.rules.<Alert> may override. */
const ALERT_OVERRIDE = {
  enabled: { type: 'boolean' },
  for: { type: 'string', minLength: 1, pattern: DURATION_RE.source },
  severity: { type: 'string', minLength: 1 },
  labels: { type: 'object', additionalProperties: { type: 'string' } },
};

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
/** What the exporter accepts besides the literal value (src/config/env.ts): a boolean or number
 * may be a string that is exactly one ${NAME}; any string may contain references, and is
 * checked by the exporter after they are expanded, so its pattern, enum or length cannot be. */
const DEFINITIONS: Json = {
  envWhole: { type: 'string', pattern: `^\\$\\{${NAME}\\}$`, description: 'one ${NAME}, read as a boolean or number by the exporter' },
  envInString: { type: 'string', pattern: `\\$\\{${NAME}\\}`, description: 'a string with ${NAME} in it, checked once expanded' },
  alertOverride: { type: 'object', additionalProperties: false, properties: ALERT_OVERRIDE },
  // For the alerts whose expression marks a threshold.
  tunableAlertOverride: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...ALERT_OVERRIDE,
      // helm --set reads 0.95 as a string (only integers become numbers): a decimal string passes too.
      threshold: {
        description: 'replaces the number marked "# threshold" in the expression',
        anyOf: [{ type: 'number' }, { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' }],
      },
    },
  },
};
const ref = (name: string): Json => ({ $ref: `#/definitions/${name}` });

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Lets ${NAME} through wherever the exporter expands it; drops what only clutters (the safe
 * integer bound zod gives every integer). */
function allowEnv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowEnv);
  if (!isObject(node)) return node;
  const out: Json = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'default' ? v : allowEnv(v)]));
  if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  const { type, default: dflt, ...rest } = out;
  // The default stays beside anyOf, where a reader (and an editor's completion) looks for it.
  const either = (env: string): Json => ({ ...(dflt !== undefined && { default: dflt }), anyOf: [{ type, ...rest }, ref(env)] });
  if (type === 'boolean' || type === 'number' || type === 'integer') return either('envWhole');
  if (type === 'string' && ['pattern', 'enum', 'minLength', 'maxLength', 'format'].some((k) => k in rest)) return either('envInString');
  return out;
}

/** The config file's JSON Schema, as the chart's values see it. */
export function configSchema(): Json {
  const generated = z.toJSONSchema(configFileSchema, {
    target: 'draft-7',
    io: 'input',
    // Refinements (URLs, listen addresses, cross-field rules) are the exporter's to check.
    unrepresentable: 'any',
    override: (ctx) => {
      // A duration is a string checked by a refinement; its grammar is the exporter's own regex.
      if (ctx.zodSchema === duration) Object.assign(ctx.jsonSchema, { minLength: 1, pattern: DURATION_RE.source });
    },
  }) as Json;
  delete generated.$schema;
  const props = generated.properties as Json;
  // The chart's defaults have no target (NOTES.txt warns): the exporter itself requires one.
  delete (props.targets as Json).minItems;
  return {
    description: "The exporter's configuration, generated from src/config/schema.ts (test/helm/values-schema.ts).",
    ...(allowEnv(generated) as Json),
  };
}

/** The alert names of the rules file, in its order. */
export function alertNames(): string[] {
  const rules = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: { alert?: string }[] }[] };
  return rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
}

/** `committed` with its generated parts replaced. */
export function withGeneratedParts(committed: Json): Json {
  const properties = committed.properties as Json;
  const rule = properties.prometheusRule as { properties: Json };
  const tunable = thresholds(readFileSync(RULES_FILE, 'utf8'));
  rule.properties.rules = {
    type: 'object',
    description: "Overrides per alert; the names are the rules file's (generated).",
    additionalProperties: false,
    properties: Object.fromEntries(alertNames().map((a) => [a, ref(tunable.has(a) ? 'tunableAlertOverride' : 'alertOverride')])),
  };
  properties.config = configSchema();
  return { ...committed, definitions: DEFINITIONS };
}

export function schemaText(): string {
  const committed = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Json;
  return `${JSON.stringify(withGeneratedParts(committed), null, 2)}\n`;
}
