// Helm reads no file outside the chart: the chart keeps copies of the Prometheus rules and the
// Grafana dashboards under files/. `npm run helm:sync` writes them; chart.test.ts fails when they
// differ from the sources.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHART_DIR = join(ROOT, 'helm/kea-telemetry');

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
  const where = relative(process.cwd(), CHART_DIR) || '.';
  process.stdout.write(changed.length ? `helm:sync: updated ${changed.join(', ')}\n` : `helm:sync: ${where}/files up to date\n`);
}
