import { pino, type DestinationStream } from 'pino';
import { traceIds } from './telemetry/tracing.js';

/** The slice of pino the modules use, so tests can pass a recorder. */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createLog(level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Log {
  // Lines written inside a poll, command or proxied request carry its trace_id and span_id.
  return pino({ level, base: { name: 'kea-telemetry' }, mixin: () => traceIds() }, destination);
}
