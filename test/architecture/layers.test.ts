/** The layers of src/ (docs/architecture.md, "Code map"): a file imports only files of its own
 * layer or of a lower one. Imports are read with TypeScript's own scanner (ts.preProcessFile):
 * static, type-only, re-exports and dynamic import() with a literal path, as the compiler sees
 * them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ERROR_CODES } from '../../src/errors.js';

/** Lowest first. A path ending in '/' is a directory, one ending in '*' a prefix, else a file. */
const LAYERS: readonly { name: string; paths: readonly string[] }[] = [
  { name: 'L0 base', paths: ['src/errors.ts', 'src/log.ts', 'src/version.ts'] },
  { name: 'L1 kea', paths: ['src/kea/'] },
  { name: 'L2 config', paths: ['src/config/'] },
  { name: 'L3 snapshot', paths: ['src/snapshot.ts'] },
  { name: 'L4 telemetry', paths: ['src/telemetry/'] },
  { name: 'L5 transport', paths: ['src/transport/'] },
  { name: 'L6 queue, endpoint', paths: ['src/queue/', 'src/endpoint/'] },
  { name: 'L7 poller', paths: ['src/poller/'] },
  { name: 'L8 targets', paths: ['src/targets/'] },
  { name: 'L9 render', paths: ['src/render/'] },
  // Server and proxy define the narrow interfaces they need; App satisfies them and builds them.
  { name: 'L10 server, proxy', paths: ['src/server/', 'src/proxy/'] },
  { name: 'L11 app, cli', paths: ['src/app*', 'src/main.ts', 'src/cli.ts'] },
];

/** The lab (dev and test tool) may import anything; nothing outside it may import it. */
const LAB = 'src/lab/';

/** What the protocol layer never spells: a metric family name (naming lives under src/render/). */
const METRIC_NAMES = 'metric names';

const matches = (file: string, p: string): boolean => (p.endsWith('/') ? file.startsWith(p) : p.endsWith('*') ? file.startsWith(p.slice(0, -1)) : file === p);

/** The layer's index in LAYERS; the most specific path wins (a file listed in a listed directory). */
function layerOf(file: string): number | undefined {
  let best: { index: number; length: number } | undefined;
  LAYERS.forEach((l, index) => {
    for (const p of l.paths) if (matches(file, p) && (!best || p.length > best.length)) best = { index, length: p.length };
  });
  return best?.index;
}

/** What `spec`, imported from `from`, names: a path under src/ (.js written, .ts on disk), or
 * undefined for a package. */
function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, '.ts');
}

interface Violation {
  from: string;
  /** The file imported, or METRIC_NAMES. */
  to: string;
  message: string;
}

/** The first metric family name spelled in a string or template literal of `text`, if any
 * (kea_…, but not an error code such as kea_error). */
function metricName(file: string, text: string): string | undefined {
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found !== undefined) return;
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node)) &&
      /^kea_/.test(node.text) &&
      !(node.text in ERROR_CODES)
    )
      found = node.text;
    else ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return found;
}

/** Every import against the layer order among `files` (path under src/ -> source text), and
 * every metric name spelled in the protocol layer. */
function violations(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  const named = (i: number | undefined): string => (i === undefined ? 'none' : LAYERS[i]!.name);
  const kea = LAYERS.findIndex((l) => l.paths.includes('src/kea/'));
  for (const [from, text] of files) {
    if (from.startsWith(LAB)) continue;
    const mine = layerOf(from);
    if (mine === undefined) {
      out.push({ from, to: from, message: `${from} is in no layer: add it to LAYERS (test/architecture/layers.test.ts)` });
      continue;
    }
    const at = `${from} (layer ${named(mine)})`;
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      const to = resolve(from, fileName);
      if (to === undefined) continue;
      if (to.startsWith(LAB)) out.push({ from, to, message: `${at} imports ${to} (the lab: dev and test tool only)` });
      else if (!files.has(to)) out.push({ from, to, message: `${at} imports ${fileName}, which is no source file under src/` });
      else {
        const theirs = layerOf(to);
        if (theirs === undefined || theirs > mine) out.push({ from, to, message: `${at} imports ${to} (layer ${named(theirs)})` });
      }
    }
    const name = mine === kea ? metricName(from, text) : undefined;
    if (name !== undefined) out.push({ from, to: METRIC_NAMES, message: `${at} spells the metric name ${name}…: metric naming lives under src/render/` });
  }
  return out.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every non-test .ts file under src/, by its path from the repository root. */
function sources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const rel of readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
    const file = `src/${rel.split(path.sep).join('/')}`;
    if (file.endsWith('.ts') && !file.endsWith('.test.ts')) files.set(file, readFileSync(path.join(ROOT, file), 'utf8'));
  }
  return files;
}

test('the check sees static, type-only, re-exported and dynamic imports against the order', () => {
  const files = new Map([
    ['src/kea/a.ts', "import type { S } from '../snapshot.js';\nexport { x } from '../config/x.js';\n"],
    ['src/snapshot.ts', "import { b } from './kea/b.js';\nconst l = await import('./log.js');\n"],
    ['src/kea/b.ts', "import { z } from 'zod';\nimport './a.js';\n"],
    ['src/config/x.ts', "export * from '../proxy/y.js';\n"],
    ['src/proxy/y.ts', "const s = await import('../server/s.js');\nimport { App } from '../app.js';\n"],
    ['src/server/s.ts', ''],
    ['src/log.ts', "import { t } from './telemetry/tracing.js';\n"],
    ['src/telemetry/tracing.ts', ''],
    ['src/app.ts', "import { s } from './server/s.js';\nimport { y } from './proxy/y.js';\n"],
  ]);
  assert.deepEqual(
    violations(files).map((v) => v.message),
    [
      'src/config/x.ts (layer L2 config) imports src/proxy/y.ts (layer L10 server, proxy)',
      'src/kea/a.ts (layer L1 kea) imports src/config/x.ts (layer L2 config)',
      'src/kea/a.ts (layer L1 kea) imports src/snapshot.ts (layer L3 snapshot)',
      'src/log.ts (layer L0 base) imports src/telemetry/tracing.ts (layer L4 telemetry)',
      'src/proxy/y.ts (layer L10 server, proxy) imports src/app.ts (layer L11 app, cli)',
    ],
  );
});

test('the check flags the lab, files in no layer and imports of no file; the lab itself is free', () => {
  const files = new Map([
    ['src/lab/lab.ts', "import { App } from '../app.js';\n"],
    ['src/app.ts', "import { lab } from './lab/lab.js';\nimport { gone } from './kea/gone.js';\n"],
    ['src/newdir/n.ts', ''],
    ['src/app/build.ts', "import { cli } from '../cli.js';\n"],
    ['src/cli.ts', ''],
  ]);
  assert.deepEqual(
    violations(files).map((v) => v.message),
    [
      'src/app.ts (layer L11 app, cli) imports ./kea/gone.js, which is no source file under src/',
      'src/app.ts (layer L11 app, cli) imports src/lab/lab.ts (the lab: dev and test tool only)',
      'src/newdir/n.ts is in no layer: add it to LAYERS (test/architecture/layers.test.ts)',
    ],
  );
});

test('the protocol layer spells no metric name (comments aside); render/ does', () => {
  const files = new Map([
    ['src/kea/names.ts', '/** kea_dhcp4_x in a comment is fine */\nexport const f = (d: string) => `kea_${d}_addresses`;\n'],
    ['src/kea/plain.ts', "export const n = 'kea_dhcp4_pkt4_received_total';\n"],
    ['src/kea/fine.ts', "// kea_up\nexport const k = 'Dhcp4', code = 'kea_error';\nexport const t = `${k}_kea_`;\n"],
    ['src/render/r.ts', "export const up = 'kea_up';\n"],
  ]);
  assert.deepEqual(
    violations(files).map((v) => v.message),
    [
      'src/kea/names.ts (layer L1 kea) spells the metric name kea_…: metric naming lives under src/render/',
      'src/kea/plain.ts (layer L1 kea) spells the metric name kea_dhcp4_pkt4_received_total…: metric naming lives under src/render/',
    ],
  );
});

test('every file of src/ is in one layer, and imports only its own layer and lower ones', () => {
  const files = sources();
  assert.ok(files.size > 50, `${files.size} files`);
  const found = violations(files).map((v) => v.message);
  assert.deepEqual(found, [], `imports against the layer order:\n${found.join('\n')}`);
});
