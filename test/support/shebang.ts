/** The CLI's `#!/usr/bin/env -S [NAME=value ...] node [--flag ...]` line: the environment and the
 * Node flags the exporter ships with (docs/performance.md), for the runs that start node
 * themselves (the storm, the benches' profiles) and for the Dockerfile's check. */
import { readFileSync } from 'node:fs';

export interface Shebang {
  env: Record<string, string>;
  flags: string[];
}

export function shebang(file: string): Shebang {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\S*env -S((?: [A-Z_][A-Z0-9_]*=\S+)*) node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (!m) throw new Error(`${file}: not a '#!/usr/bin/env -S [NAME=value ...] node [--flag ...]' line`);
  const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);
  return { env: Object.fromEntries(words(m[1]!).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])), flags: words(m[2]!) };
}
