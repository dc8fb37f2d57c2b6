// Where the repository and the chart are (a module of its own: the generators and sync.ts import it).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHART_DIR = join(ROOT, 'helm/kea-telemetry');
