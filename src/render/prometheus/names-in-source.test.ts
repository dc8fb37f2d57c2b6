/** Every family name /metrics shows can be found with grep: it is a string literal somewhere in
 * src/, never put together from parts (`kea_${daemon}_…`). The one exception is the family of
 * a statistic nobody mapped, named by rule from Kea's own name (which its HELP quotes). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { COLLECTORS } from './registry.js';
import { statisticsCollector } from './statistics.js';
import { unmappedName, type Naming, type Scope, type StatsDaemon } from './statistics/names.js';

const SRC = fileURLToPath(new URL('../../', import.meta.url));
const GOLDEN = fileURLToPath(new URL('../../../test/golden/', import.meta.url));

/** The text of every string literal of one file (comments and template literals with
 * substitutions are not literals: a name there cannot be found by grep). */
function literalsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false));
  return out;
}

/** The literals of the program's sources: not tests, not the lab (a dev tool). */
function sourceLiterals(): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== path.join(SRC, 'lab')) walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
        for (const l of literalsOf(p, readFileSync(p, 'utf8'))) out.add(l);
      }
    }
  };
  walk(SRC);
  return out;
}

interface Family {
  name: string;
  help?: string;
  from: string;
}

/** The families of the golden /metrics outputs, with their HELP. */
function goldenFamilies(): Family[] {
  const out: Family[] = [];
  for (const file of readdirSync(GOLDEN).filter((f) => f.endsWith('.prom'))) {
    for (const m of readFileSync(path.join(GOLDEN, file), 'utf8').matchAll(/^# HELP (\S+) (.*)$/gm)) out.push({ name: m[1]!, help: m[2]!, from: file });
  }
  return out;
}

const UNMAPPED_HELP = /^Kea statistic "(.+)" \((global|per (subnet|pool|pd-pool|key))\), not mapped by kea-telemetry/;

/** Whether a family is an unmapped statistic's, named exactly as the rule names it. */
function unmappedByRule(f: Family): boolean {
  const help = f.help === undefined ? undefined : UNMAPPED_HELP.exec(f.help);
  const daemon = /^kea_(dhcp4|dhcp6|d2)_/.exec(f.name)?.[1] as StatsDaemon | undefined;
  if (!help || !daemon) return false;
  const naming: Naming = f.from.includes('kea-exporter') ? 'kea-exporter' : 'default';
  const scope = (help[3] ?? 'global') as Scope;
  const name = unmappedName(daemon, naming, scope, help[1]!.replace(/\\\\/g, '\\'));
  return f.name === name || (f.name.startsWith(name) && /^(_unmapped)+$/.test(f.name.slice(name.length)));
}

test('the literal scan sees string literals only: not comments, not names put together', () => {
  const text =
    "const d = 'dhcp4';\nconst a = `kea_${d}_built`; // 'kea_dhcp4_commented'\n/* \"kea_dhcp4_block\" */ const b = ['kea_dhcp4_' + 'joined', `kea_dhcp4_plain`, \"kea_d2_quoted\"];\n";
  assert.deepEqual(literalsOf('x.ts', text), ['dhcp4', 'kea_dhcp4_', 'joined', 'kea_dhcp4_plain', 'kea_d2_quoted']);
});

test('every family of the golden outputs and of every collector is a string literal in src/', () => {
  const literals = sourceLiterals();
  const declared: Family[] = [...COLLECTORS, statisticsCollector('default'), statisticsCollector('kea-exporter')].flatMap((c) =>
    c.metrics.map((m) => ({ name: m.name, help: m.help, from: 'collectors' })),
  );
  const golden = goldenFamilies();
  assert.ok(golden.length > 150, `${golden.length} golden families`); // the three golden files were read
  const missing = new Set<string>();
  let unmapped = 0;
  for (const f of [...golden, ...declared]) {
    if (literals.has(f.name)) continue;
    if (unmappedByRule(f)) unmapped++;
    else missing.add(`${f.name} (${f.from})`);
  }
  assert.deepEqual([...missing], [], 'family names built at run time: spell them out (statistics: in names-default.ts)');
  assert.ok(unmapped > 0, 'the goldens show unmapped statistics (PerfMon, Kea 3.2 additions in kea-exporter naming)');
});

test('an unmapped family passes only under the exact name its rule gives', () => {
  const help = 'Kea statistic "pkt4-not-for-us" (global), not mapped by kea-telemetry: exported as reported.';
  assert.ok(unmappedByRule({ name: 'kea_dhcp4_pkt4_not_forus', help, from: 'statistics-default.prom' }));
  assert.ok(unmappedByRule({ name: 'kea_dhcp4_pkt4_not_for_us', help, from: 'statistics-kea-exporter.prom' }));
  assert.ok(unmappedByRule({ name: 'kea_dhcp4_pkt4_not_forus_unmapped', help, from: 'statistics-default.prom' }));
  assert.ok(!unmappedByRule({ name: 'kea_dhcp4_not_for_us_total', help, from: 'statistics-default.prom' }));
  assert.ok(!unmappedByRule({ name: 'kea_dhcp4_pkt4_not_forus', help: 'Packets not for us.', from: 'statistics-default.prom' }));
});
