// Helm reads no file outside the chart: the chart keeps copies of the Prometheus rules and the
// Grafana dashboards under files/. `npm run helm:sync` writes them, and the chart's generated
// files: values.schema.json's generated parts (values-schema.ts) and README.md (chart-readme.ts);
// the chart tests fail when any of them differs from what its sources give.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chartReadme, README_FILE } from './chart-readme.js';
import { CHART_DIR, ROOT } from './paths.js';
import { schemaText, SCHEMA_FILE } from './values-schema.js';

export { CHART_DIR, ROOT };

/** Source directory → copy directory (relative to the repository), with the files to copy. */
const SETS = [
  { from: 'dashboards/prometheus', to: 'helm/kea-telemetry/files/prometheus', match: (f: string) => f === 'kea-telemetry.rules.yml' },
  { from: 'dashboards/grafana', to: 'helm/kea-telemetry/files/dashboards', match: (f: string) => f.endsWith('.json') },
];

export interface CopyPlan {
  /** Source and copy pairs, repository-relative. */
  copies: { source: string; copy: string }[];
  /** Files in the copy directories with no source (a dashboard was removed or renamed). */
  extra: string[];
}

export function plan(): CopyPlan {
  const copies: CopyPlan['copies'] = [];
  const extra: string[] = [];
  for (const set of SETS) {
    const names = readdirSync(join(ROOT, set.from)).filter(set.match).sort();
    for (const n of names) copies.push({ source: join(set.from, n), copy: join(set.to, n) });
    let present: string[] = [];
    try {
      present = readdirSync(join(ROOT, set.to));
    } catch {
      // not synced yet
    }
    for (const n of present) if (!names.includes(n)) extra.push(join(set.to, n));
  }
  return { copies, extra };
}

/** Copies that are missing or differ from their source, and extra files: empty when in sync. */
export function staleCopies(): string[] {
  const { copies, extra } = plan();
  const stale = copies
    .filter(({ source, copy }) => {
      try {
        return !readFileSync(join(ROOT, source)).equals(readFileSync(join(ROOT, copy)));
      } catch {
        return true;
      }
    })
    .map(({ copy }) => copy);
  return [...stale, ...extra];
}

export function sync(): string[] {
  const { copies, extra } = plan();
  const changed = staleCopies();
  for (const { source, copy } of copies) {
    mkdirSync(join(ROOT, copy, '..'), { recursive: true });
    copyFileSync(join(ROOT, source), join(ROOT, copy));
  }
  for (const f of extra) rmSync(join(ROOT, f));
  return changed;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const changed = sync();
  for (const [file, text] of [
    [SCHEMA_FILE, schemaText()],
    [README_FILE, chartReadme()],
  ] as const) {
    let old: string | undefined;
    try {
      old = readFileSync(file, 'utf8');
    } catch {
      // not written yet
    }
    if (old !== text) {
      writeFileSync(file, text);
      changed.push(relative(ROOT, file));
    }
  }
  const where = relative(process.cwd(), CHART_DIR) || '.';
  process.stdout.write(changed.length ? `helm:sync: updated ${changed.join(', ')}\n` : `helm:sync: ${where} up to date\n`);
}
