/**
 * The first Kea version docs/metrics.md and docs/statistics.md give for each series family, read
 * from the docs themselves so that a test on an older Kea excuses exactly what they document
 * (no second list). What the docs say, and how it is read:
 * - a table row names versions: `(2.4+`, `Kea ≥ 2.6.2` (from then), `Kea 2.2: …` (2.2 has it),
 *   `Kea 2.2 has neither` (after 2.2). Each family in the row exists from the lowest such version;
 * - under a table, "Per-pool statistics exist from Kea 2.4." holds for its "per pool" column;
 * - in prose, a family followed by `(Kea ≥ 2.4)`.
 * A family with no version exists in every Kea the exporter supports.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DOCS = ['metrics.md', 'statistics.md'].map((f) => fileURLToPath(new URL(`../../docs/${f}`, import.meta.url)));
const FAMILY = /`(kea_[a-z0-9_]+)/g;

/** A version as numbers ("2.6.2" -> [2, 6, 2]); `after` marks "later than this". */
interface Since {
  version: number[];
  after: boolean;
}

const parse = (v: string): number[] => v.split('.').map(Number);
function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
const later = (a: Since, b: Since): Since => (compare(a.version, b.version) > 0 || (compare(a.version, b.version) === 0 && a.after) ? a : b);
const earlier = (a: Since, b: Since): Since => (later(a, b) === a ? b : a);

/** The lowest version a table row names, if any. */
function rowSince(row: string): Since | undefined {
  const found: Since[] = [];
  for (const m of row.matchAll(/Kea (\d+\.\d+(?:\.\d+)?) has (?:neither|none|no)\b/g)) found.push({ version: parse(m[1]!), after: true });
  const rest = row.replace(/Kea \d+\.\d+(?:\.\d+)? has (?:neither|none|no)\b/g, '');
  for (const m of rest.matchAll(/\((\d+\.\d+)\+|Kea (?:≥ )?(\d+\.\d+(?:\.\d+)?)/g)) found.push({ version: parse(m[1] ?? m[2]!), after: false });
  return found.reduce<Since | undefined>((a, b) => (a ? earlier(a, b) : b), undefined);
}

const cells = (row: string): string[] =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|');

/** Family -> the first Kea version it exists in, for the families the docs give one. */
export function documentedSince(): Map<string, Since> {
  const since = new Map<string, Since>();
  const note = (family: string, s: Since) => since.set(family, since.has(family) ? later(since.get(family)!, s) : s);
  for (const file of DOCS) {
    const lines = readFileSync(file, 'utf8').split('\n');
    let table: string[] = [];
    for (const line of [...lines, '']) {
      if (line.startsWith('|')) {
        table.push(line);
        continue;
      }
      const column = /^Per-(\w+) statistics exist from Kea (\d+\.\d+)/.exec(line);
      if (column && table.length) {
        const at = cells(table[0]!).findIndex((h) => h.trim().toLowerCase().startsWith(`per ${column[1]}`));
        for (const row of table.slice(2)) for (const m of (cells(row)[at] ?? '').matchAll(FAMILY)) note(m[1]!, { version: parse(column[2]!), after: false });
      }
      if (line.trim()) table = [];
      for (const m of line.matchAll(/`(kea_[a-z0-9_]+)[^`]*` \(Kea ≥ (\d+\.\d+)\)/g)) note(m[1]!, { version: parse(m[2]!), after: false });
    }
    for (const row of lines.filter((l) => l.startsWith('|'))) {
      const s = rowSince(row);
      if (s) for (const m of row.matchAll(FAMILY)) note(m[1]!, s);
    }
  }
  return since;
}

/** Whether the docs say `family` does not exist yet in Kea `version` ("2.2"). */
export function documentedAbsent(since: ReadonlyMap<string, Since>, family: string, version: string): boolean {
  const s = since.get(family);
  if (!s) return false;
  const c = compare(s.version, parse(version));
  return c > 0 || (c === 0 && s.after);
}

/** The series families a PromQL expression reads (`kea_…` names). */
export const queryFamilies = (expr: string): string[] => [...new Set(expr.match(/\bkea_[a-z0-9_]+/g) ?? [])];
