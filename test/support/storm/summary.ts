/** The storm's raw observations condensed into figures (pure): counts by status and principal,
 * latency percentiles, kea_up samples, the exporter's log by level, crash traces. */
import type { HalfOpenResult, Kind, Outcome } from './clients.js';
import type { StormOptions } from './run.js';
import type { UpSample } from './sampler.js';

export interface RawStorm {
  options: StormOptions;
  keaVersion: string;
  /** The exporter's soft open-files limit as it ran. */
  nofile: string;
  kea: { pidBefore: number | undefined; pidAfter: number | undefined };
  relay: { maxOpen: number; connections: number; byCommand: Record<string, number> };
  maxInFlight: number;
  outcomes: Outcome[];
  gaveUp: boolean;
  samples: UpSample[];
  halfOpen: HalfOpenResult;
  requestsMs: number;
  windowMs: number;
  /** The relay's and samplers' process: its longest event-loop stall (the harness' health). */
  harnessLoopDelayMaxMs: number;
  exporter: {
    rssMax: number;
    fdsMax: number;
    rssSamples: number;
    cpuMs: number;
    exitedDuringStorm: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    exit: { code: number | null; signal: NodeJS.Signals | null; killed: boolean };
    stdout: string;
    stderr: string;
  };
  final: { up: number[]; promtool: { ok: boolean; output: string } } | undefined;
  leaks: string[];
}

export interface KindSummary {
  sent: number;
  /** HTTP answers by status. */
  answered: Record<string, number>;
  /** Closed before any answer, by error code. */
  refused: Record<string, number>;
  problems: number;
  /** /probe or /metrics answers that read the daemon down. */
  readDown: number;
  /** Client-side, request to last byte of the answers (pool wait included). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface StormResult {
  options: StormOptions;
  keaVersion: string;
  nofile: string;
  kea: { pidBefore: number | undefined; pidAfter: number | undefined; alive: boolean };
  relay: RawStorm['relay'];
  maxInFlight: number;
  requests: Record<Kind, KindSummary>;
  /** Proxied requests: statuses (or "refused") per principal. */
  proxyByWho: Record<string, Record<string, number>>;
  /** Distinct problems (first 120 characters), most frequent first. */
  problems: { text: string; count: number }[];
  gaveUp: boolean;
  samples: {
    total: number;
    /** 200 with kea_up for the target. */
    read: number;
    up: number;
    /** kea_up not 1 (or absent from a 200). */
    down: number;
    /** No 200 (error or other status). */
    failed: number;
    /** ms into the window of the first samples that read down. */
    downAt: number[];
    /** Longest stretch without a successful sample. */
    maxGapMs: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
  };
  halfOpen: {
    opened: number;
    refused: Record<string, number>;
    closedByExporter: number;
    closeP50Ms: number;
    stillOpen: number;
    answered: Record<string, number>;
  };
  requestsMs: number;
  windowMs: number;
  harnessLoopDelayMaxMs: number;
  exporter: {
    rssMaxMb: number;
    fdsMax: number;
    rssSamples: number;
    cpuPercent: number;
    exitedDuringStorm: RawStorm['exporter']['exitedDuringStorm'];
    exit: RawStorm['exporter']['exit'];
    logLines: Record<string, number>;
    /** warn and error messages, counted. */
    warnings: { level: string; msg: string; count: number }[];
    /** Lines of stderr/stdout that look like an unhandled error or a stack trace. */
    crashTraces: string[];
    stderrLines: number;
  };
  final: RawStorm['final'];
  leaks: string[];
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1]!;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const CRASH_RE = /unhandled|uncaught|^\s+at \S.*:\d+:\d+\)?$/i;

function kind(outcomes: Outcome[], k: Kind): KindSummary {
  const mine = outcomes.filter((o) => o.kind === k);
  const s: KindSummary = { sent: mine.length, answered: {}, refused: {}, problems: 0, readDown: 0, p50Ms: NaN, p99Ms: NaN, maxMs: NaN };
  for (const o of mine) {
    if (o.status !== undefined) inc(s.answered, String(o.status));
    else if (o.refused) inc(s.refused, o.error ?? '?');
    if (o.problem) s.problems++;
    if (o.readDown) s.readDown++;
  }
  const ms = mine.filter((o) => o.status !== undefined).map((o) => o.ms);
  return { ...s, p50Ms: r1(percentile(ms, 50)), p99Ms: r1(percentile(ms, 99)), maxMs: r1(percentile(ms, 100)) };
}

function samplesOf(samples: UpSample[], windowMs: number): StormResult['samples'] {
  const read = samples.filter((s) => s.up !== undefined);
  const down = samples.filter((s) => s.status === 200 && (s.up === undefined || s.up.some((v) => v !== 1)));
  const okAt = read.map((s) => s.at);
  let maxGapMs = 0;
  let prev = 0;
  for (const at of [...okAt, windowMs]) {
    maxGapMs = Math.max(maxGapMs, at - prev);
    prev = at;
  }
  const ms = samples.filter((s) => s.status === 200).map((s) => s.ms);
  return {
    total: samples.length,
    read: read.length,
    up: read.filter((s) => s.up!.every((v) => v === 1)).length,
    down: down.length,
    failed: samples.filter((s) => s.status !== 200).length,
    downAt: down.slice(0, 10).map((s) => s.at),
    maxGapMs: Math.round(maxGapMs),
    p50Ms: r1(percentile(ms, 50)),
    p99Ms: r1(percentile(ms, 99)),
    maxMs: r1(percentile(ms, 100)),
  };
}

function logOf(stdout: string, stderr: string): Pick<StormResult['exporter'], 'logLines' | 'warnings' | 'crashTraces' | 'stderrLines'> {
  const logLines: Record<string, number> = {};
  const warnings = new Map<string, { level: string; msg: string; count: number }>();
  const crashTraces: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    if (CRASH_RE.test(line)) crashTraces.push(`stdout: ${line.slice(0, 300)}`);
    let entry: { level?: number; msg?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      inc(logLines, 'not-json');
      continue;
    }
    const level = LEVELS[entry.level ?? 0] ?? String(entry.level);
    inc(logLines, level);
    if ((entry.level ?? 0) >= 40) {
      const key = `${level} ${entry.msg}`;
      const w = warnings.get(key) ?? { level, msg: String(entry.msg), count: 0 };
      w.count++;
      warnings.set(key, w);
    }
  }
  const errLines = stderr.split('\n').filter((l) => l !== '');
  for (const line of errLines) if (CRASH_RE.test(line)) crashTraces.push(`stderr: ${line.slice(0, 300)}`);
  return {
    logLines,
    warnings: [...warnings.values()].sort((a, b) => b.count - a.count).slice(0, 10),
    crashTraces: crashTraces.slice(0, 20),
    stderrLines: errLines.length,
  };
}

export function summarise(raw: RawStorm): StormResult {
  const proxyByWho: Record<string, Record<string, number>> = {};
  const problems = new Map<string, number>();
  for (const o of raw.outcomes) {
    if (o.kind === 'proxy') inc((proxyByWho[o.who ?? '?'] ??= {}), o.status !== undefined ? String(o.status) : o.refused ? 'refused' : 'no answer');
    if (o.problem) problems.set(o.problem.slice(0, 120), (problems.get(o.problem.slice(0, 120)) ?? 0) + 1);
  }
  const x = raw.exporter;
  return {
    options: raw.options,
    keaVersion: raw.keaVersion,
    nofile: raw.nofile,
    kea: { ...raw.kea, alive: raw.kea.pidAfter !== undefined && raw.kea.pidAfter === raw.kea.pidBefore },
    relay: raw.relay,
    maxInFlight: raw.maxInFlight,
    requests: { proxy: kind(raw.outcomes, 'proxy'), probe: kind(raw.outcomes, 'probe'), metrics: kind(raw.outcomes, 'metrics') },
    proxyByWho,
    problems: [...problems]
      .map(([text, count]) => ({ text, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 20),
    gaveUp: raw.gaveUp,
    samples: samplesOf(raw.samples, raw.windowMs),
    halfOpen: {
      opened: raw.halfOpen.opened,
      refused: raw.halfOpen.refused,
      closedByExporter: raw.halfOpen.closedByExporter,
      closeP50Ms: r1(percentile(raw.halfOpen.closeMs, 50)),
      stillOpen: raw.halfOpen.stillOpen,
      answered: raw.halfOpen.answered,
    },
    requestsMs: Math.round(raw.requestsMs),
    windowMs: Math.round(raw.windowMs),
    harnessLoopDelayMaxMs: Math.round(raw.harnessLoopDelayMaxMs),
    exporter: {
      rssMaxMb: r1(x.rssMax / 1024 / 1024),
      fdsMax: x.fdsMax,
      rssSamples: x.rssSamples,
      cpuPercent: r1((x.cpuMs / raw.windowMs) * 100),
      exitedDuringStorm: x.exitedDuringStorm,
      exit: x.exit,
      ...logOf(x.stdout, x.stderr),
    },
    final: raw.final,
    leaks: raw.leaks,
  };
}
