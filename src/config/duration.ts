/** Prometheus-style durations ("500ms", "5s", "1m30s"): units in descending order, each at most once. */
const UNIT_MS = {
  y: 365 * 24 * 3_600_000,
  w: 7 * 24 * 3_600_000,
  d: 24 * 3_600_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
} as const;

// Order matters: "ms" must be tried after "m" + "s" fail, which regex backtracking does for us.
export const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS = Object.values(UNIT_MS);

/** Milliseconds in `s`; throws on anything that is not a duration with units (bare numbers included).
 * The message never quotes `s`: it may be a misplaced secret. */
export function parseDuration(s: string): number {
  const match = DURATION_RE.exec(s);
  if (s === '' || !match) {
    throw new Error('invalid duration: expected e.g. 500ms, 5s, 1m, 1h, 1m30s');
  }
  let total = 0;
  UNITS.forEach((unit, i) => {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * unit;
  });
  if (!Number.isSafeInteger(total)) throw new Error('duration is too large');
  return total;
}
