/** The storm's load: proxied commands, /probe and /metrics requests over bounded keep-alive
 * pools (everything issued at once; the pools hold what they cannot send yet, the exporter
 * refuses what it will not take), and half-open connections that send part of a request and
 * stall. Every outcome is classified as it arrives; bodies are inspected, not kept. */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { keaUpValues } from './sampler.js';
import { COMMANDS, PRINCIPALS, TARGET, type Expectation } from './setup.js';

export type Kind = 'proxy' | 'probe' | 'metrics';

export interface Outcome {
  kind: Kind;
  /** proxy: the principal's name and the command sent. */
  who?: string;
  command?: string;
  status?: number;
  /** No HTTP answer: the error's code. */
  error?: string;
  /** Closed before any answer byte, by design (connection cap, descriptor reserve). */
  refused?: boolean;
  /** Request to last byte (or to the error), including the wait in the client's pool. */
  ms: number;
  /** What is wrong with this outcome, if anything. */
  problem?: string;
  /** A /probe or /metrics answer that read the healthy daemon down. */
  readDown?: boolean;
}

/** HTTP statuses the exporter may answer by design, per kind of request. */
export const EXPECTED: Record<Expectation | Exclude<Kind, 'proxy'>, readonly number[]> = {
  ok: [200, 429, 503, 504],
  unauthorized: [401, 429, 503],
  forbidden: [403, 429, 503],
  probe: [200, 429, 503, 504],
  metrics: [200, 429, 503],
};

/** Errors that mean the exporter closed the connection before answering anything: what a
 * connection cap or a full descriptor table does. A request it read and never answered shows
 * as a headers timeout instead (a problem). */
export const REFUSED_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'];
const CONNECT_TIMEOUT_MS = 10_000;

export interface LoadOptions {
  origin: string;
  port: number;
  proxied: number;
  probes: number;
  scrapes: number;
  halfOpen: number;
  /** Connections per pool (one pool per kind). */
  socketsPerKind: number;
  /** A request with no answer after this long is a problem (the exporter held it). */
  requestTimeoutMs: number;
  inspect: (text: string) => void;
}

export interface Load {
  /** Resolves once every request has an outcome. */
  done: Promise<void>;
  /** Every request's outcome so far; one still pending is a problem ("no outcome"). */
  outcomes(): Outcome[];
  /** Gives up on what is still pending (each becomes a problem) and closes the pools. */
  abort(): Promise<void>;
  /** Closes the pools and the half-open connections still open. */
  close(): Promise<HalfOpenResult>;
}

function proxyCheck(body: string): string | undefined {
  try {
    const list = JSON.parse(body) as { result?: unknown; text?: unknown }[];
    if (!Array.isArray(list) || list.length !== 1) return `200 not a one-element list: ${body.slice(0, 120)}`;
    const r = list[0]!;
    return r.result === 0 ? undefined : `200 with Kea result ${String(r.result)}: ${String(r.text).slice(0, 120)}`;
  } catch {
    return `200 not JSON: ${body.slice(0, 120)}`;
  }
}

function upCheck(kind: Kind, body: string): { problem?: string; readDown?: boolean } {
  const up = keaUpValues(body, TARGET);
  if (up.length === 0) return { problem: `${kind} 200 without kea_up for ${TARGET}`, readDown: true };
  if (up.some((v) => v !== 1)) return { problem: `${kind} read kea_up ${up.join(',')}`, readDown: true };
  return {};
}

/** Runs the starters of every list in one pass, each list spread evenly over it, so that no kind
 * of client gets the exporter's first connections before the others. */
function interleave(lists: (() => void)[][]): void {
  const done = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let k = 0; k < lists.length; k++) {
      if (done[k]! >= lists[k]!.length) continue;
      if (best < 0 || done[k]! / lists[k]!.length < done[best]! / lists[best]!.length) best = k;
    }
    if (best < 0) return;
    lists[best]![done[best]!++]!();
  }
}

/** Issues everything at once: the requests into their pools, the half-open connections. */
export function startLoad(o: LoadOptions): Load {
  const pool = () =>
    new Pool(o.origin, {
      connections: o.socketsPerKind,
      pipelining: 1,
      connectTimeout: CONNECT_TIMEOUT_MS,
      headersTimeout: o.requestTimeoutMs,
      bodyTimeout: o.requestTimeoutMs,
    });
  const pools: Record<Kind, Pool> = { proxy: pool(), probe: pool(), metrics: pool() };

  const one = async (
    kind: Kind,
    path: string,
    method: 'GET' | 'POST',
    expect: readonly number[],
    extra: Partial<Outcome>,
    headers?: Record<string, string>,
    body?: string,
  ): Promise<Outcome> => {
    const t0 = performance.now();
    let status: number | undefined;
    try {
      const res = await pools[kind].request({ path, method, ...(headers && { headers }), ...(body !== undefined && { body }) });
      status = res.statusCode;
      const text = await res.body.text();
      o.inspect(text);
      const out: Outcome = { kind, ...extra, status, ms: performance.now() - t0 };
      if (!expect.includes(status)) return { ...out, problem: `${kind} unexpected ${status}: ${text.slice(0, 120)}` };
      if (status !== 200) return out;
      if (kind === 'proxy') {
        const problem = proxyCheck(text);
        return problem ? { ...out, problem } : out;
      }
      return { ...out, ...upCheck(kind, text) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
      const ms = performance.now() - t0;
      if (status !== undefined) return { kind, ...extra, status, error: code, ms, problem: `${kind} ${status} broken mid-answer: ${code}` };
      if (REFUSED_CODES.includes(code)) return { kind, ...extra, error: code, refused: true, ms };
      return { kind, ...extra, error: code, ms, problem: `${kind} no answer: ${code}` };
    }
  };

  const all: Promise<void>[] = [];
  const results: Outcome[] = [];
  const pending = new Map<number, Outcome>();
  const issue = (kind: Kind, run: () => Promise<Outcome>, extra: Partial<Outcome> = {}) => {
    const i = results.length;
    results.push({ kind, ...extra, ms: NaN, problem: `${kind} no outcome (still pending when the storm was given up)` });
    pending.set(i, results[i]!);
    all.push(
      run().then((out) => {
        results[i] = out;
        pending.delete(i);
      }),
    );
  };
  const proxied = Array.from({ length: o.proxied }, (_, i) => () => {
    const who = PRINCIPALS[Math.floor(i / COMMANDS.length) % PRINCIPALS.length]!;
    const command = who.command ?? COMMANDS[i % COMMANDS.length]!;
    const headers = { authorization: who.authorization, 'content-type': 'application/json' };
    const body = JSON.stringify({ command, service: ['dhcp4'] });
    const extra = { who: who.name, command };
    issue('proxy', () => one('proxy', `/targets/${TARGET}/`, 'POST', EXPECTED[who.expect], extra, headers, body), extra);
  });
  const probes = Array.from({ length: o.probes }, () => () => issue('probe', () => one('probe', `/probe?target=${TARGET}`, 'GET', EXPECTED.probe, {})));
  const scrapes = Array.from({ length: o.scrapes }, () => () => issue('metrics', () => one('metrics', '/metrics', 'GET', EXPECTED.metrics, {})));
  const stalled = new HalfOpen(o.port, o.inspect);
  const halfOpens = Array.from({ length: o.halfOpen }, (_, i) => () => stalled.open(i % 2 === 0));
  interleave([proxied, probes, scrapes, halfOpens]);

  const closeAll = (how: 'close' | 'destroy') =>
    Promise.all(Object.values(pools).map((p) => (how === 'close' ? p.close() : p.destroy()).catch(() => {}))).then(() => {});
  return {
    done: Promise.all(all).then(() => {}),
    outcomes: () => [...results],
    abort: () => closeAll('destroy'),
    close: async () => {
      const half = stalled.stop();
      await closeAll('close');
      return half;
    },
  };
}

export interface HalfOpenResult {
  opened: number;
  /** Connect failures by code. */
  refused: Record<string, number>;
  /** Closed by the exporter while stalled, and after how long (ms from connect). */
  closedByExporter: number;
  closeMs: number[];
  /** First line of whatever the exporter wrote back (e.g. "HTTP/1.1 408 Request Timeout"), counted. */
  answered: Record<string, number>;
  /** Still open when the storm ended (closed by us then). */
  stillOpen: number;
}

/** Connections that each send a partial request (only part of the request line, or the line and
 * part of the headers) and stall until the exporter closes them or stop() is called. */
class HalfOpen {
  private readonly r: HalfOpenResult = { opened: 0, refused: {}, closedByExporter: 0, closeMs: [], answered: {}, stillOpen: 0 };
  private readonly live = new Set<net.Socket>();
  private stopping = false;

  constructor(
    private readonly port: number,
    private readonly inspect: (text: string) => void,
  ) {}

  open(lineOnly: boolean): void {
    const r = this.r;
    const s = net.createConnection({ host: '127.0.0.1', port: this.port });
    let t0 = 0;
    let got = '';
    // A connect the exporter leaves in its backlog is refused after this, not after the
    // kernel's two minutes of SYN retries.
    s.setTimeout(CONNECT_TIMEOUT_MS, () => t0 === 0 && s.destroy(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })));
    s.once('connect', () => {
      s.setTimeout(0);
      t0 = performance.now();
      r.opened++;
      this.live.add(s);
      s.write(lineOnly ? 'GET /metr' : 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Storm: ');
    });
    s.on('data', (d: Buffer) => {
      if (got.length < 4096) got += d.toString('latin1');
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (t0 === 0) r.refused[err.code ?? 'error'] = (r.refused[err.code ?? 'error'] ?? 0) + 1;
    });
    s.once('close', () => {
      this.live.delete(s);
      if (t0 === 0 || this.stopping) return;
      r.closedByExporter++;
      r.closeMs.push(performance.now() - t0);
      if (!got) return;
      this.inspect(got);
      const line = got.split('\r\n', 1)[0]!.slice(0, 60);
      r.answered[line] = (r.answered[line] ?? 0) + 1;
    });
  }

  stop(): HalfOpenResult {
    this.stopping = true;
    this.r.stillOpen = this.live.size;
    for (const s of this.live) s.destroy();
    this.live.clear();
    return this.r;
  }
}
