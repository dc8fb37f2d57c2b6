import { Readable } from 'node:stream';
import { ERROR_CODES, KeaError, type ErrorCode } from '../errors.js';
import { RESULT } from '../kea/types.js';
import { BudgetRefused, type ProxyStreaming } from './budget.js';
import type { ProxiedCommand } from './body.js';
import { ElementExchange, PREFETCH_BYTES, type Element, type ElementMode, type Ready } from './element.js';
import { shareable, sharedElement } from './shared.js';
import { REDACTED_COMMANDS } from './redact.js';
import type { ProxyEndpoint, ProxyTarget } from './source.js';
import { AGENT_HINT, offlineReason } from './agent.js';

/** More entries than this in `service`: 400 (Kea has four daemon kinds; repeats are folded). */
export const MAX_SERVICES = 16;

export interface ForwardContext {
  timeoutMs: number;
  unredacted: boolean;
  streaming: ProxyStreaming;
  /** The request's: aborted when the client goes away, and by forward once the response is
   * done while an exchange still runs (a stream its reader left). */
  cancel: AbortController;
  /** A streamed answer was cut off after its 200 (reason: an error code, or `client`). */
  onAbort: (reason: ErrorCode | 'client') => void;
}

interface Common {
  /** Kea result code of each element (for the audit line); a streamed one once it is through. */
  results: number[];
  /** Gives back the budget the answer holds: call once the response is finished or closed. */
  release: () => void;
  /** An element's exchange answered other identical requests too (src/proxy/shared.ts). */
  shared: boolean;
}

/** A JSON list, one element per requested service, as a Control Agent answers: whole, or
 * streamed as Kea sends it. */
export type Forwarded = (Common & { status: number; body: string; retryAfterS?: number }) | (Common & { status: 200; stream: Readable });

/** One element as Kea prints it (its spacing: `{ "result": 1, "text": "..." }`). */
export const keaElement = (result: number, text: string): string => `{ "result": ${result}, "text": ${JSON.stringify(text)} }`;

/** Bare maps the Control Agent answers instead of a list. */
export const bare = (status: number, text: string): string => keaElement(status, text);

const FATAL: ReadonlySet<ErrorCode> = new Set(['queue_full', 'queue_timeout', 'timeout']);
const isFatal = (err: unknown): boolean => err instanceof BudgetRefused || (err instanceof KeaError && FATAL.has(err.code));
const codeOf = (err: unknown): ErrorCode => (err instanceof KeaError ? err.code : 'internal');
const OPEN = Buffer.from('[ ');
const SEP = Buffer.from(', ');
const CLOSE = Buffer.from(' ]');

/** Runs the command once per distinct daemon among the requested services (each through its
 * daemon's queue, in parallel) and answers one element per requested entry, in order. Kea's
 * text is passed on as Kea wrote it (exact numbers); config-get and config-hash-get are parsed and redacted unless
 * `unredacted`. Small answers are read whole first; larger ones stream once every element is
 * known to have started well. Error texts name codes, never a socket path or URL. */
export async function forward(target: ProxyTarget, cmd: ProxiedCommand, ctx: ForwardContext): Promise<Forwarded> {
  const entries = cmd.service ?? [undefined];
  const cancel = ctx.cancel.signal;
  // Arrays, not maps: a request names at most MAX_SERVICES entries, nearly always one.
  const endpoints = entries.map((service) => target.endpointFor(service));
  const distinct: ProxyEndpoint[] = [];
  const repeats: number[] = [];
  for (const endpoint of endpoints) {
    if (!endpoint) continue;
    const k = distinct.indexOf(endpoint);
    if (k < 0) {
      distinct.push(endpoint);
      repeats.push(1);
    } else repeats[k]!++;
  }
  const redact = !ctx.unredacted && REDACTED_COMMANDS.has(cmd.command);
  const share = shareable(cmd.command);
  const opts = { timeoutMs: ctx.timeoutMs, budget: ctx.streaming.budget, cancel };
  const exchanges: Element[] = distinct.map((endpoint, k) => {
    if (share) return sharedElement(endpoint, cmd, redact ? 'redact' : 'whole', opts);
    const mode: ElementMode = redact ? 'redact' : repeats[k]! > 1 ? 'whole' : 'stream';
    return new ElementExchange(endpoint, cmd, mode, opts);
  });
  const shared = (): boolean => exchanges.some((x) => x.shared);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    for (const x of exchanges) {
      // One still running (queued behind a fatal refusal, or a stream its reader left) is
      // stopped; one that read its answer ends by itself (no abort, no error to make).
      if (x.running && !cancel.aborted) ctx.cancel.abort(new KeaError('closed', 'response done'));
      x.release();
    }
  };

  // A full queue, no budget, or no answer in time is the whole request's fate, as HTTP says it.
  const settled = await settle(exchanges);
  if (settled instanceof Fatal) {
    release();
    return { ...refusal(settled.err, ctx.streaming), results: [], release, shared: shared() };
  }
  const ready = settled;

  const results: number[] = [];
  let bytes = 0;
  let whole = true;
  const parts = endpoints.map((endpoint, i): string | ElementExchange => {
    const service = entries[i];
    let text: string;
    if (!endpoint) text = element(results, i, `forwarding socket is not configured for the server type ${service}`);
    else {
      const k = distinct.indexOf(endpoint);
      const r = ready[k]!;
      if (r.kind === 'stream') {
        whole = false;
        return r.exchange;
      }
      if (r.kind === 'whole') {
        results[i] = r.result;
        bytes += r.bytes;
        return r.text;
      }
      // The daemon is unreachable or answered garbage: what the agent says, with the reason's
      // description (the agent's own words for a socket error, when the proxy plays the agent).
      const reason = (target.config.kind === 'host' && offlineReason(r.err)) || ERROR_CODES[codeOf(r.err)];
      text = element(results, i, `unable to forward command to the ${service ?? target.name} service: ${reason}`);
    }
    bytes += Buffer.byteLength(text);
    return text;
  });
  // Small and complete: one body. Otherwise written piece by piece (a repeated element is
  // written again, never copied into one large body).
  if (whole && bytes <= PREFETCH_BYTES) return { status: 200, body: `[ ${(parts as string[]).join(', ')} ]`, results, release, shared: shared() };
  return { status: 200, stream: streamed(parts, results, ctx, release), results, release, shared: shared() };
}

/** A name that is no Kea command name (empty, upper case, spaces...): answered here, as Kea
 * answers it (result 2 per element, the agent's long text for itself), never sent to Kea. */
export function notSupported(target: ProxyTarget, cmd: ProxiedCommand): { status: 200; body: string; results: number[] } {
  const name = `'${cmd.command}' command not supported.`;
  const results: number[] = [];
  const parts = (cmd.service ?? [undefined]).map((service, i) => {
    const agentItself = service === undefined && (target.config.kind === 'agent' || target.config.kind === 'host');
    if (!agentItself && !target.endpointFor(service)) return element(results, i, `forwarding socket is not configured for the server type ${service}`);
    results[i] = RESULT.unsupported;
    return keaElement(RESULT.unsupported, agentItself ? name + AGENT_HINT : name);
  });
  return { status: 200, body: `[ ${parts.join(', ')} ]`, results };
}

function element(results: number[], i: number, text: string): string {
  results[i] = RESULT.error;
  return keaElement(RESULT.error, text);
}

/** The response body, pulled by the client's socket: Kea is read only as fast as the client reads. */
function streamed(parts: (string | ElementExchange)[], results: number[], ctx: ForwardContext, release: () => void): Readable {
  async function* body(): AsyncGenerator<Buffer, void, undefined> {
    yield OPEN;
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) yield SEP;
      const p = parts[i]!;
      if (typeof p === 'string') yield Buffer.from(p);
      else {
        yield* p.chunks();
        results[i] = p.result!;
      }
    }
    yield CLOSE;
  }
  const stream = Readable.from(body(), { objectMode: false, highWaterMark: 16 * 1024 });
  // The status is out: a failure now (deadline passed, Kea closed or sent garbage) can only cut
  // the response off, even while the generator waits for a slow client.
  for (const p of parts) if (p instanceof ElementExchange) p.done.catch((err: unknown) => stream.destroy(err as Error));
  let ended = false;
  stream.once('end', () => (ended = true));
  stream.once('error', (err) => ctx.onAbort(codeOf(err)));
  stream.once('close', () => {
    if (!ended && !stream.errored) ctx.onAbort('client');
    release();
  });
  return stream;
}

type Outcome = Ready | { kind: 'failed'; err: unknown };

/** The error that decides the whole request. */
class Fatal {
  constructor(readonly err: unknown) {}
}

/** Each exchange's outcome once every one is ready (or failed in a way that is only its
 * element's), in order; or, as soon as it happens, the first error that decides the whole request. */
function settle(exchanges: readonly Element[]): Promise<Outcome[] | Fatal> {
  const out: Outcome[] = [];
  return new Promise((resolve) => {
    let left = exchanges.length;
    if (left === 0) resolve(out);
    exchanges.forEach((x, k) => {
      x.ready.then(
        (r) => {
          out[k] = r;
          if (--left === 0) resolve(out);
        },
        (err: unknown) => {
          if (isFatal(err)) return resolve(new Fatal(err));
          out[k] = { kind: 'failed', err };
          if (--left === 0) resolve(out);
        },
      );
    });
  });
}

function refusal(err: unknown, s: ProxyStreaming): { status: number; body: string; retryAfterS?: number } {
  if (err instanceof BudgetRefused) {
    s.refusals.inc({});
    return { status: 503, body: bare(503, 'Service Unavailable: too many answer bytes in flight'), retryAfterS: 1 };
  }
  const code = codeOf(err);
  if (code === 'queue_full') return { status: 503, body: bare(503, 'Service Unavailable: too many commands waiting for this daemon'), retryAfterS: 1 };
  return { status: 504, body: bare(504, `Gateway Timeout: ${ERROR_CODES[code]}`) };
}
