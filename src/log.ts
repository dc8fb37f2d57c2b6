import { pino, type DestinationStream } from 'pino';

/** The slice of pino the modules use, so tests can pass a recorder. */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The levels LOG_LEVEL may name (pino's, most severe first, and silent). */
export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** What is wrong with a LOG_LEVEL value, or undefined when it names a level. The value itself is
 * not repeated (an environment value is configuration). */
export function logLevelProblem(level: string | undefined): string | undefined {
  if (level === undefined || LOG_LEVELS.includes(level)) return undefined;
  return `LOG_LEVEL is not a log level: use one of ${LOG_LEVELS.join(', ')} (default info)`;
}

/** `fields`, when given, are added to every line as it is written: the telemetry side passes the
 * active span's ids (src/telemetry/log.ts), so this bottom layer knows nothing of tracing. */
export function createLog(level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream, fields?: () => object): Log {
  const problem = logLevelProblem(level);
  if (problem) throw new Error(problem);
  return pino({ level, base: { name: 'kea-telemetry' }, ...(fields && { mixin: fields }) }, destination);
}
