/**
 * Every per-daemon quantity the exporter takes from Kea, capped in one place. Beyond a cap the
 * daemon's poll fails with a reason (`too_large`, `too_deep` or `limit`, counted in
 * kea_exporter_command_errors_total) instead of the answer being held in memory or turned into
 * series. Each value: the largest real answer (captures of Kea 2.2.0, 2.6.3 and 3.0.4 in
 * /work/shared/kea, test/fixtures/kea) with a wide margin. Pure constants and checks.
 */
import { KeaError } from '../errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** status-get: the largest capture is 1.5 KB (3.0 Control Agent, 3 services); a relationship
 * adds ~520 bytes, a socket error ~110. At the relationship and socket-error caps below an
 * answer is ~250 KB, so 1 MiB is 4x the most a real daemon can send. */
export const STATUS_ANSWER_BYTES = 1 * MiB;
/** version-get: 274 bytes at most in the captures (`extended` lists the linked libraries). */
export const VERSION_ANSWER_BYTES = 64 * KiB;
/** config-hash-get: a 64-hex-digit hash, 112 bytes through the Control Agent. */
export const CONFIG_HASH_ANSWER_BYTES = 64 * KiB;

/** Per-command caps of the poller's own commands; config-get and statistic-get-all scale with
 * the configuration (8.8 MB at 20,000 subnets) and keep poll.maxAnswerBytes, as do proxied
 * commands. */
const ANSWER_BYTES: Readonly<Record<string, number>> = {
  'status-get': STATUS_ANSWER_BYTES,
  'version-get': VERSION_ANSWER_BYTES,
  'config-hash-get': CONFIG_HASH_ANSWER_BYTES,
  // ~1 KB in the captures (a 3.0.4 kea-dhcp4 with lease_cmds and perfmon); hooks add a few names each.
  'list-commands': CONFIG_HASH_ANSWER_BYTES,
};

/** The answer cap of one of the poller's commands, or undefined (then poll.maxAnswerBytes). */
export function answerCap(command: string): number | undefined {
  return Object.hasOwn(ANSWER_BYTES, command) ? ANSWER_BYTES[command] : undefined;
}

/** Nesting of any answer parsed (and of any command sent). Real answers nest at most 11 deep
 * (a 3.0 config-get over HTTP: list > answer > arguments > Dhcp4 > hooks-libraries > ...);
 * user-context may add a few levels. Recursive code downstream (canonical hash, redaction, JSON.stringify)
 * is safe far beyond 256 levels, and Kea 2.2 itself aborts near 50,000. */
export const MAX_DEPTH = 256;

/** HA relationships per daemon: one, except on a hub-and-spoke hub (2.6+), which has one per
 * spoke (2 in the captures). 256 spokes is far past any deployment ISC describes; each
 * relationship makes ~37 series, so the cap holds HA at ~9,500 series (~1 MB of /metrics). */
export const MAX_HA_RELATIONSHIPS = 256;
/** Scopes a server serves in one relationship: named after the relationship's primary and
 * secondary (backups serve none), so 2 in practice. */
export const MAX_HA_SCOPES = 64;
/** sockets.errors: one per interface or address Kea failed to open (1 in the captures); only
 * their count is exported. 1,024 interfaces is more than a DHCP server listens on. */
export const MAX_SOCKET_ERRORS = 1024;
/** Strings that become label values (version, HA state, role, mode, server and relationship
 * names): at most 19 characters in the captures; Kea's HA names are hostnames (<= 253). */
export const MAX_LABEL_CHARS = 256;

/** A statistic's name (it becomes a metric name, or a TSIG key label): at most ~70 characters
 * in the captures (Kea 3.2 perfmon names); a TSIG key name is a domain name (<= 253). */
export const MAX_STAT_NAME_CHARS = 512;

/** perfmon-get-all-durations: Kea keeps ~5 stages and a composite per query/response pair seen,
 * per subnet and in all (DORA on 3.0.4: 10 for its one subnet, 10 for all); 200,000 is 20,000 subnets
 * with two pairs each. Series past statistics.maxSeries are dropped before this matters. */
export const MAX_PERFMON_DURATIONS = 200_000;

/** Throws `limit` when a list from Kea is longer than its cap; before anything is built from it. */
export function checkCount(n: number, cap: number, what: string): void {
  if (n > cap) throw new KeaError('limit', `${what}: ${n} entries, more than the ${cap} accepted`);
}

/** A string from Kea that becomes a label value; throws `limit` beyond MAX_LABEL_CHARS. */
export function labelValue<T extends string | undefined>(s: T, what: string): T {
  if (s !== undefined && s.length > MAX_LABEL_CHARS) {
    throw new KeaError('limit', `${what}: ${s.length} characters, more than the ${MAX_LABEL_CHARS} accepted in a label`);
  }
  return s;
}

/** Families made for statistics kea-telemetry does not know, per daemon kind and naming, for the
 * life of the process (families are never forgotten: a daemon inventing new names every poll would
 * otherwise grow memory without bound). Kea 3.2 has about 150 statistic names in all; beyond this,
 * unknown names are left out and counted in kea_exporter_statistics_series_dropped. */
export const MAX_UNMAPPED_FAMILIES = 10_000;
