import { pino, type DestinationStream } from 'pino';

/** The slice of pino the modules use, so tests can pass a recorder. */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** `fields`, when given, are added to every line as it is written: the telemetry side passes the
 * active span's ids (src/telemetry/log.ts), so this bottom layer knows nothing of tracing. */
export function createLog(level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream, fields?: () => object): Log {
  return pino({ level, base: { name: 'kea-telemetry' }, ...(fields && { mixin: fields }) }, destination);
}
