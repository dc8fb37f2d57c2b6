/** `npm run dashboards`: writes every dashboard to dashboards/grafana/<uid>.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { daemonDashboard } from './daemon.js';
import { exporterDashboard } from './exporter.js';
import { fleetDashboard } from './fleet.js';
import { haDashboard } from './ha.js';
import { statisticsDashboard } from './statistics.js';

export const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'grafana');

export const DASHBOARDS: readonly (() => Dashboard)[] = [fleetDashboard, haDashboard, daemonDashboard, statisticsDashboard, exporterDashboard];

export interface Rendered {
  uid: string;
  /** Path of the committed file. */
  file: string;
  text: string;
}

/** Every dashboard as the exact text of its committed file (2-space JSON, trailing newline). */
export function renderDashboards(): Rendered[] {
  return DASHBOARDS.map((build) => {
    const d = build();
    if (!d.uid) throw new Error(`dashboard "${d.title ?? '?'}" has no uid`);
    return { uid: d.uid, file: join(OUT_DIR, `${d.uid}.json`), text: `${JSON.stringify(d, null, 2)}\n` };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const r of renderDashboards()) {
    writeFileSync(r.file, r.text);
    console.log(`wrote ${r.file}`);
  }
}
