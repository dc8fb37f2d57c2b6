import type { DestinationStream } from 'pino';
import { createLog, type Log } from '../log.js';
import { traceIds } from './tracing.js';

/** The process log: lines written inside a poll, command or proxied request carry its trace_id
 * and span_id, so a log line leads to its trace. */
export function createTracedLog(level?: string, destination?: DestinationStream): Log {
  return createLog(level, destination, () => traceIds());
}
