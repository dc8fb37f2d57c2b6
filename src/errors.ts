/** One catalog of coded errors: every failure talking to Kea carries one of these codes,
 * which becomes the `reason` label of kea_exporter_command_errors_total. */
export const ERROR_CODES = {
  connect: 'could not connect (socket absent, refused, unreachable or permission denied)',
  timeout: 'no complete answer within the timeout',
  closed: 'connection closed before a complete answer',
  parse: 'answer is not valid JSON',
  too_large: 'answer exceeds the size cap',
  bad_answer: 'answer is JSON but not a Kea answer',
  http_status: 'unexpected HTTP status',
  unauthorized: 'HTTP 401: credentials missing or rejected',
  forbidden: 'HTTP 403: not allowed',
  tls: 'TLS handshake or certificate failure',
  bad_request: 'Kea rejected the request as malformed (result 400)',
  forward: 'Control Agent could not forward to the daemon',
  kea_error: 'Kea answered with an error result',
  unsupported: 'command not supported by this daemon',
  queue_full: 'too many commands already waiting for this daemon',
  queue_timeout: 'waited too long for a free slot to this daemon',
  wrong_daemon: 'daemon type differs from the configured one',
  too_deep: 'answer (or command) nested deeper than the exporter accepts',
  limit: 'answer exceeds a documented per-daemon cap (e.g. HA relationships)',
  busy: 'daemon busy with proxied commands; the poll waited for its slot',
  internal: 'unexpected failure inside the exporter (a bug: please report it)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class KeaError extends Error {
  override readonly name = 'KeaError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Anything thrown that is not a KeaError is a bug of the exporter, never Kea's fault: it must
 * not read as an unreachable daemon. */
export function toKeaError(err: unknown): KeaError {
  if (err instanceof KeaError) return err;
  const message = err instanceof Error ? err.message : safeString(err);
  return new KeaError('internal', message, { cause: err });
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return typeof v; // an object whose toString throws
  }
}
