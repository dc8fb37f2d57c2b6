// The thresholds a site tunes: in the rules file, the number that ends a line of an alert's
// expression with the PromQL comment `# threshold`. That number is the one place the default
// lives; the Helm chart's prometheusRule.rules.<Alert>.threshold replaces it (templates/
// prometheusrule.yaml, with the same pattern), values.schema.json accepts `threshold` only for
// the alerts marked (test/helm/values-schema.ts), and docs/alerts.md's table lists them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const RULES_FILE = fileURLToPath(new URL('kea-telemetry.rules.yml', import.meta.url));

/** The mark: a plain decimal number, then ` # threshold` at the end of the line. */
export const THRESHOLD_MARK = /(\d+(?:\.\d+)?) # threshold$/gm;

interface Rule {
  alert?: string;
  expr: string;
}

/** The marked numbers of one expression (one is right; the tests say so). */
export function marks(expr: string): number[] {
  return [...expr.matchAll(THRESHOLD_MARK)].map((m) => Number(m[1]));
}

/** Alert name -> its default threshold, in the rules file's order; alerts without a mark left out. */
export function thresholds(rulesText = readFileSync(RULES_FILE, 'utf8')): Map<string, number> {
  const groups = (parse(rulesText) as { groups: { rules: Rule[] }[] }).groups;
  const out = new Map<string, number>();
  for (const r of groups.flatMap((g) => g.rules)) {
    const found = marks(r.expr);
    if (r.alert !== undefined && found.length > 0) out.set(r.alert, found[0]!);
  }
  return out;
}

/** The expression with its marked number replaced, as the chart's template writes it. */
export function withThreshold(expr: string, value: number): string {
  return expr.replace(THRESHOLD_MARK, `${value} # threshold`);
}
