import type { Collector } from './collector.js';

export const POLL_DURATION = 'kea_exporter_poll_duration_seconds';
export const LAST_SUCCESS = 'kea_exporter_last_success_timestamp_seconds';
export const COMMAND_ERRORS = 'kea_exporter_command_errors_total';
export const POLL_ERROR_INFO = 'kea_exporter_poll_error_info';
export const DAEMON_BUSY = 'kea_exporter_daemon_busy';
export const POLLS_DELAYED = 'kea_exporter_polls_delayed_total';

/** The exporter's own view of each daemon: how polling it goes. Kept while the daemon is down. */
export const exporterCollector: Collector = {
  metrics: [
    { name: POLL_DURATION, type: 'gauge', help: 'Duration of the last poll of the daemon, all its commands together.' },
    { name: LAST_SUCCESS, type: 'gauge', help: 'Unix time of the last successful poll of the daemon.' },
    {
      name: COMMAND_ERRORS,
      type: 'counter',
      labels: ['command', 'reason'],
      help: 'Failed Kea commands, by command and reason (connect, timeout, closed, parse, too_large, http_status, unauthorized, forbidden, tls, forward, kea_error, ...).',
    },
    {
      name: POLL_ERROR_INFO,
      type: 'gauge',
      labels: ['reason'],
      help: 'Why the last poll of the daemon failed (1; absent while the daemon is up).',
    },
    {
      name: DAEMON_BUSY,
      type: 'gauge',
      help: 'Whether the latest poll of the daemon waited past the poll interval while proxied commands held the daemon (1: busy, kea_up and the rest keep their last known values until the poll lands; 0: polled on time).',
    },
    { name: POLLS_DELAYED, type: 'counter', help: 'Polls of the daemon that waited past the poll interval while proxied commands held the daemon.' },
  ],
  collect(s, emit) {
    if (s.pollDurationSeconds !== undefined) emit(POLL_DURATION, s.pollDurationSeconds);
    if (s.lastSuccessAt !== undefined) emit(LAST_SUCCESS, s.lastSuccessAt / 1000);
    for (const [command, reasons] of Object.entries(s.commandErrors)) {
      for (const [reason, n] of Object.entries(reasons)) emit(COMMAND_ERRORS, n ?? 0, { command, reason });
    }
    if (!s.up && s.error) emit(POLL_ERROR_INFO, 1, { reason: s.error.code });
    emit(DAEMON_BUSY, s.busy ? 1 : 0);
    emit(POLLS_DELAYED, s.delayedPolls ?? 0);
  },
};
