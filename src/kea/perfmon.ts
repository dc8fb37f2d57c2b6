/**
 * perfmon-get-all-durations of the PerfMon hook (libdhcp_perfmon.so), pure. Kea 3.0 answers, per
 * duration key (subnet, query and response type, start and stop event), the last COMPLETED
 * interval: Kea rolls an interval over only when a sample arrives after it is `interval-width-secs`
 * old, so an interval stays in the answer until the next one completes, and `start-time` is
 * `"<none>"` until the first has (seen on real 3.0.4: test/fixtures/kea/perfmon). Kea 2.6 loads
 * the hook but has no commands ("'perfmon-get-all-durations' command not supported.").
 */
import { KeaError } from '../errors.js';
import { expectSuccess } from './answer.js';
import { isObj, type Obj } from './json.js';
import { checkCount, labelValue, MAX_PERFMON_DURATIONS } from './limits.js';
import { RESULT, type KeaAnswer } from './types.js';

export const PERFMON_COMMAND = 'perfmon-get-all-durations';

/** One duration key's last completed interval. Times in microseconds, as Kea counts them. */
export interface PerfmonDuration {
  /** 0: Kea's total over every subnet (and queries that selected none). */
  readonly subnetId: number;
  readonly query: string;
  readonly response: string;
  /** `<start-event>-<stop-event>`, Kea's own label: `socket_received-buffer_read`, …,
   * `composite-total_response` (the whole exchange). */
  readonly stage: string;
  /** Kea's start-time of the interval (local time, no zone): what tells one interval from the
   * next. undefined: no interval completed yet. */
  readonly intervalStart: string | undefined;
  readonly occurrences: number;
  readonly totalUsecs: number;
  readonly maxUsecs: number;
}

export interface PerfmonAnswer {
  readonly intervalWidthSecs: number;
  readonly durations: readonly PerfmonDuration[];
}

/** Kea's interval width is whole seconds; a day is past any use. */
const MAX_INTERVAL_SECS = 86_400;
/** Kea's `<none>`: the key has no completed interval. */
const NO_INTERVAL = '<none>';

/** Whether list-commands' arguments name the command (only those daemons are polled for it). */
export function listsPerfmon(args: unknown): boolean {
  return Array.isArray(args) && args.includes(PERFMON_COMMAND);
}

function count(o: Obj, key: string, what: string): number {
  const v = o[key];
  // int64 microseconds in Kea; past 2^53 no longer exact, and never seen.
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new KeaError('bad_answer', `${what}: ${key} is not a count`);
  return v;
}

function text(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new KeaError('bad_answer', `${what}: ${key} is not a name`);
  return labelValue(v, `${what}: ${key}`);
}

function duration(d: unknown, what: string): PerfmonDuration {
  const key = isObj(d) ? d['duration-key'] : undefined;
  if (!isObj(d) || !isObj(key)) throw new KeaError('bad_answer', `${what}: not a duration with a duration-key`);
  const start = text(d, 'start-time', what);
  const subnetId = count(key, 'subnet-id', what);
  if (subnetId > 0xffffffff) throw new KeaError('bad_answer', `${what}: subnet-id out of range`);
  return {
    subnetId,
    query: text(key, 'query-type', what),
    response: text(key, 'response-type', what),
    stage: labelValue(`${text(key, 'start-event', what)}-${text(key, 'stop-event', what)}`, `${what}: stage`),
    intervalStart: start === NO_INTERVAL ? undefined : start,
    occurrences: count(d, 'occurrences', what),
    totalUsecs: count(d, 'total-duration-usecs', what),
    maxUsecs: count(d, 'max-duration-usecs', what),
  };
}

/** The answer's durations; result 3 ("0 found", before any traffic) is none. Anything not of
 * this shape fails the poll (`bad_answer`), more than MAX_PERFMON_DURATIONS with `limit`. */
export function parsePerfmonDurations(answer: KeaAnswer, what: string): PerfmonAnswer {
  const args = answer.result === RESULT.empty ? answer.arguments : expectSuccess(answer, what);
  if (!isObj(args)) throw new KeaError('bad_answer', `${what}: no arguments`);
  const width = args['interval-width-secs'];
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1 || width > MAX_INTERVAL_SECS) {
    throw new KeaError('bad_answer', `${what}: interval-width-secs is not a number of seconds`);
  }
  const list = args.durations;
  if (!Array.isArray(list)) throw new KeaError('bad_answer', `${what}: durations is not a list (result-set-format is not asked for)`);
  checkCount(list.length, MAX_PERFMON_DURATIONS, `${what}: durations`);
  return { intervalWidthSecs: width, durations: list.map((d, i) => duration(d, `${what}: durations[${i}]`)) };
}
