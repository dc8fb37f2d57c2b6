import type { PathIssue } from './env.js';

/**
 * A target label the exporter sets itself would be accepted and then silently overwritten:
 * each one is refused, at its key. `reserved` comes from the renderers, which declare the
 * families (src/render/prometheus/reserved-labels.ts); config/ does not import them, so the
 * composition root (cli.ts) hands the set to the loader. Reads the file's value before the
 * schema does, so that these issues join the schema's in one error. Pure.
 */
export function reservedLabelIssues(value: unknown, reserved: ReadonlySet<string>): PathIssue[] {
  const targets = mapping(value)?.targets;
  if (!Array.isArray(targets)) return [];
  const out: PathIssue[] = [];
  targets.forEach((t: unknown, i) => {
    for (const name of Object.keys(mapping(mapping(t)?.labels) ?? {})) {
      if (reserved.has(name)) out.push({ path: ['targets', i, 'labels', name], message: `label name "${name}" is reserved: the exporter sets it itself` });
    }
  });
  return out;
}

/** The value as a mapping, if it is one (not validated yet: anything may be anywhere). */
function mapping(v: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
