/** Client connections of the exporter's listeners: bounded in number and in idle time, so that
 * neither idle nor slow clients can take the descriptors the polls of Kea need (EMFILE), and a new
 * scrape still gets through when the bound is reached. */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/types.js';
import type { Log } from '../log.js';
import { PROBE_MAX_WAITING } from './probe.js';

/** Client connections per listener at most (before the descriptor budget below lowers it). An
 * exporter has a few scrapers and proxy clients; 256 leaves room for many. */
export const MAX_CONNECTIONS = 256;
/** Fewer than this after the descriptor budget: the limit is too low to run well, say so. */
export const MIN_CONNECTIONS = 16;
/** A client has this long to send its request's headers, and its whole request (proxy bodies are
 * bounded in size): a socket that sends nothing, or a byte now and then (slowloris), is closed. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this (Prometheus reconnects, which is cheap). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node checks the two timeouts above (its default, 30 s, would let a slowloris socket
 * live 40 s). */
export const CHECK_INTERVAL_MS = 1_000;
/** TLS: a handshake must be done within this (Node's default is 120 s). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** A connection with no traffic either way for this long is closed (a client that stopped reading
 * its answer), at least; inactivityTimeoutMs() lengthens it to outlast the slowest legitimate
 * answer (a proxied command, a probe's poll). */
export const INACTIVITY_TIMEOUT_MS = 60_000;
/** Descriptors kept beyond those for Kea connections: stdio, the event loop's own, listeners,
 * config and TLS files read at reload, DNS, OTLP export connections, log destinations. */
export const DESCRIPTOR_MARGIN = 64;

/** Node's http server options that carry the timeouts (http.createServer and https.createServer). */
export function serverTimeouts(): { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
  };
}

/** The soft RLIMIT_NOFILE from /proc/<pid>/limits text; undefined if absent or unlimited. Pure. */
export function parseOpenFilesLimit(limits: string): number | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (!m || m[1] === 'unlimited') return undefined;
  return Number(m[1]);
}

/** This process' soft open-files limit, read at start-up (after Node raised it to the hard limit,
 * which it does by itself); undefined where /proc is not there (not Linux). */
export function openFilesLimit(): number | undefined {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

export interface Budget {
  /** Client connections allowed per listener. */
  perListener: number;
  /** Descriptors kept for Kea connections and the margin. */
  reserve: number;
  /** The open-files limit lowered the cap below MAX_CONNECTIONS. */
  low: boolean;
}

/** How many client connections each listener may hold: the descriptors the soft limit leaves once
 * every Kea connection the exporter may open (daemons × maxInFlight) and a margin are set aside,
 * shared by the listeners, and never more than `wanted`. Pure. */
export function connectionBudget(o: { softLimit: number | undefined; keaConnections: number; listeners: number; wanted?: number }): Budget {
  const wanted = o.wanted ?? MAX_CONNECTIONS;
  const reserve = o.keaConnections + DESCRIPTOR_MARGIN;
  if (o.softLimit === undefined) return { perListener: wanted, reserve, low: false };
  const share = Math.floor((o.softLimit - reserve) / Math.max(1, o.listeners));
  const perListener = Math.max(MIN_CONNECTIONS, Math.min(wanted, share));
  return { perListener, reserve, low: share < wanted };
}

export type Dropped = 'evicted' | 'refused';

interface Tracked {
  /** Requests in progress on the connection (0 or 1 without pipelining). */
  busy: number;
  /** Whether it has completed a request: a scraper's keep-alive connection, not a silent socket. */
  served: boolean;
}

/** Which idle connection makes room (Map order is arrival order, so the first found is the
 * oldest): one that never completed a request, else a served keep-alive one. Measured in the
 * storm (bench part 6): sparing silent newcomers for a second instead let the flood evict the
 * scraper's own connection, and its samples waited up to 6.8 s; this way they wait at most 0.7 s,
 * and the clients refused are the ones that had not yet sent a request. */
function victimOf(open: ReadonlyMap<string, { t: Tracked }>): string | undefined {
  let served: string | undefined;
  for (const [k, { t }] of open) {
    if (t.busy !== 0) continue;
    if (!t.served) return k;
    served ??= k;
  }
  return served;
}

/** Holds the server to `max` client connections. When a new one arrives at the bound, the oldest
 * connection with no request in progress is closed to make room (victimOf): first the oldest that
 * never completed a request (silent, slowloris, unfinished TLS handshake), else the oldest idle
 * keep-alive one.
 * So a scraper that connects gets in while idle connections are held against it, and a scraper's
 * own keep-alive connection outlives a flood of silent ones. Only when every connection is
 * serving a request is the newcomer closed. Returns the number of connections open now. */
export function limitConnections(server: Server, max: number, onDrop: (why: Dropped) => void): () => number {
  // Insertion order is arrival order: the first idle one found is the oldest.
  const open = new Map<string, { socket: Socket; t: Tracked }>();
  // The request's socket is a TLSSocket on https; the remote address and port name both.
  const id = (s: Socket): string => `${s.remoteAddress}|${s.remotePort}`;
  server.on('connection', (socket: Socket) => {
    const key = id(socket);
    if (open.size >= max) {
      const victim = victimOf(open);
      if (victim !== undefined) {
        onDrop('evicted');
        open.get(victim)?.socket.destroy();
        open.delete(victim); // its 'close' comes later; make room now
      } else {
        onDrop('refused');
        socket.destroy();
        return;
      }
    }
    const entry = { socket, t: { busy: 0, served: false } };
    open.set(key, entry);
    socket.once('close', () => {
      if (open.get(key) === entry) open.delete(key);
    });
  });
  server.on('request', (req, res) => {
    const c = open.get(id(req.socket));
    if (!c) return;
    c.t.busy++;
    res.once('close', () => {
      c.t.busy--;
      c.t.served = true;
    });
  });
  return () => open.size;
}

/** Socket inactivity allowed: a proxied command may wait proxy.timeout, a probe's poll a few
 * commands of poll.timeout each (status-get, version-get, config-get, statistic-get-all). */
export function inactivityTimeoutMs(config: Pick<Config, 'proxy' | 'poll'>): number {
  return Math.max(INACTIVITY_TIMEOUT_MS, config.proxy.timeoutMs + 10_000, 8 * config.poll.timeoutMs);
}

/** Kea connections the exporter may hold at once: every daemon it polls (an agent: itself and
 * each service behind it, all three when not configured) times poll.maxInFlight, which bounds
 * poller and proxy together; with probe.allow, as many again for the addresses /probe may be
 * polling at once (one poll per waiting probe, PROBE_MAX_WAITING at most, an agent's four). */
export function keaConnections(config: Pick<Config, 'targets' | 'poll' | 'probe'>): number {
  const daemons = config.targets.reduce((n, t) => n + (t.kind === 'agent' ? 1 + (t.services?.length ?? 3) : 1), 0);
  const addresses = config.probe.allow.length > 0 ? Math.min(config.probe.maxTargets, PROBE_MAX_WAITING) * 4 : 0;
  return (daemons + addresses) * config.poll.maxInFlight;
}

/** The per-listener cap for this process, with a warning naming the fix when the open-files limit
 * forces it below MAX_CONNECTIONS. Read once at start-up: a reload that adds targets does not
 * lower it (the margin absorbs a few). */
export function clientConnectionCap(config: Pick<Config, 'targets' | 'poll' | 'probe'>, listeners: number, log: Log, softLimit = openFilesLimit()): number {
  const b = connectionBudget({ softLimit, keaConnections: keaConnections(config), listeners });
  if (b.low) {
    log.warn(
      { openFilesLimit: softLimit, reservedForKea: b.reserve, listeners, maxConnectionsPerListener: b.perListener },
      'the open-files limit is low for this many targets: client connections are capped lower; raise LimitNOFILE (systemd unit), ulimit -n, or the container nofile ulimit',
    );
  }
  return b.perListener;
}
