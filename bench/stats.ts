/** Small statistics and formatting helpers for the bench. */

/** Nearest-rank percentile (p in 0..100) of an unsorted sample. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1]!;
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);
export const p95 = (xs: readonly number[]): number => percentile(xs, 95);
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
export const max = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), -Infinity);

/** Rounds for display and JSON: 3 significant decimals are plenty here. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Left-aligned text table. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}
