import { KeaError } from '../errors.js';
import type { AnswerStream } from '../transport/stream.js';
import { BudgetShare, type AnswerBudget } from './budget.js';
import type { ProxiedCommand } from './body.js';
import { ElementFramer } from './framer.js';
import { REDACTED_COMMANDS } from './redact.js';
import type { ExchangeOutcome, ProxyEndpoint } from './source.js';

/** Answers up to this size are read whole before the status is sent (checked and parsed as
 * before); larger ones stream. */
export const PREFETCH_BYTES = 64 * 1024;
/** What one exchange may hold in memory at once: the prefetched head, the connection's read
 * buffer and the response's write buffers. Taken from the budget when its slot is got. */
export const STREAM_RESERVE_BYTES = 512 * 1024;
/** Memory a collected answer costs per byte at its peak (its text, the parsed tree, the redacted
 * copy, the new text): measured at about 6 on a 2 MB config-get. */
export const COLLECT_COST = 6;

/** stream: passed on as it arrives. whole: read to the end first (the element repeats).
 * redact: read to the end, parsed and redacted (config-get and config-hash-get for a role that is not unredacted). */
export type ElementMode = 'stream' | 'whole' | 'redact';

/** whole: the element's text as it goes into the list, and its size in bytes. stream: the
 * exchange whose chunks() pass the answer on. */
export type Ready = { kind: 'whole'; text: string; bytes: number; result: number } | { kind: 'stream'; exchange: ElementExchange };

/** What forward() needs of one daemon's element, whether its exchange is its own or shared. */
export interface Element {
  readonly ready: Promise<Ready>;
  /** Still waiting for its slot or Kea, or streaming: only an abort ends it early. */
  readonly running: boolean;
  /** Gives back what this element still holds of the budget (the response is done). */
  release(): void;
  /** Its exchange answered other requests too (src/proxy/shared.ts). */
  readonly shared: boolean;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (err: unknown) => void;
  /** Resolved or rejected already: a later call does nothing. */
  readonly settled: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // observed by whoever needs it; never an unhandled rejection
  const d = {
    promise,
    settled: false,
    resolve: (v: T) => {
      d.settled = true;
      resolve(v);
    },
    reject: (err: unknown) => {
      d.settled = true;
      reject(err);
    },
  };
  return d;
}

/** Rejects with the signal's reason once it aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

interface Pump {
  answer: AnswerStream;
  framer: ElementFramer;
  head: Buffer[];
  finished: Deferred<void>;
}

/** One proxied command to one daemon, inside that daemon's queue slot: `ready` settles once
 * the answer is known to be small (whole text) or is streaming (then chunks() passes it on,
 * and the slot is held until it is done, the deadline passes or the request is cancelled). */
export class ElementExchange implements Element {
  readonly ready: Promise<Ready>;
  /** The whole exchange: settles when the slot is released; rejects with why it failed. */
  readonly done: Promise<ExchangeOutcome>;
  result: number | undefined;
  /** `done` has settled: the slot is released. */
  settled = false;
  /** This request's own. */
  readonly shared = false;
  /** Kea's answer was read to its end: the exchange ends by itself. */
  private read = false;
  private readonly share: BudgetShare;
  private readonly readyD = deferred<Ready>();
  private pump: Pump | undefined;

  constructor(
    private readonly endpoint: ProxyEndpoint,
    private readonly cmd: ProxiedCommand,
    private readonly mode: ElementMode,
    ctx: { timeoutMs: number; budget: AnswerBudget; cancel: AbortSignal; admitted?: () => void },
  ) {
    this.share = new BudgetShare(ctx.budget);
    this.ready = this.readyD.promise;
    this.done = endpoint.forward(cmd.command, ctx.timeoutMs, cmd.arguments, (a, s) => this.consume(a, s), {
      cancel: ctx.cancel,
      admit: () => {
        ctx.admitted?.();
        this.share.grow(STREAM_RESERVE_BYTES);
      },
    });
    this.done.then(
      () => {
        this.settled = true;
        // (An error made only when it is needed: its stack trace costs.)
        if (!this.readyD.settled) this.readyD.reject(new KeaError('closed', 'exchange ended before its answer'));
        // What a streamed answer holds is gone with its connection; a whole one stays until sent.
        if (this.pump) this.share.release();
      },
      (err: unknown) => {
        this.settled = true;
        this.readyD.reject(err);
        this.share.release();
      },
    );
  }

  get running(): boolean {
    return !this.settled && !this.read;
  }

  release(): void {
    this.share.release();
  }

  /** The element's bytes, as Kea sends them (after ready said 'stream'). */
  async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    const p = this.pump;
    if (!p) throw new KeaError('internal', 'element is not streaming');
    try {
      const head = p.head;
      p.head = [];
      // for-of, not yield* over an array: the async-from-sync iterator yield* makes of it has no
      // throw(), which Node 24's Readable.from calls when the response is destroyed with an error.
      for (const c of head) yield c;
      for (;;) {
        const chunk = await p.answer.next();
        if (chunk === undefined) break;
        for (const c of p.framer.push(chunk)) yield c;
      }
      this.result = p.framer.end();
      p.finished.resolve();
    } catch (err) {
      p.finished.reject(err);
      throw err;
    } finally {
      p.finished.resolve(); // stopped by its consumer: the slot is free all the same
    }
  }

  private async consume(answer: AnswerStream, signal: AbortSignal): Promise<ExchangeOutcome> {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = await answer.next();
      if (chunk === undefined) return this.whole(chunks, size);
      chunks.push(chunk);
      size += chunk.length;
      if (this.mode !== 'stream') this.share.grow(Math.max(STREAM_RESERVE_BYTES, size * COLLECT_COST));
      else if (size >= PREFETCH_BYTES) break;
    }
    const what = `${this.cmd.command} on ${this.endpoint.label}`;
    const framer = new ElementFramer(this.endpoint.transport.kind === 'unix' ? 'answer' : 'list', what);
    const head = chunks.flatMap((c) => framer.push(c));
    const pump: Pump = { answer, framer, head, finished: deferred<void>() };
    this.pump = pump;
    this.readyD.resolve({ kind: 'stream', exchange: this });
    await Promise.race([pump.finished.promise, aborted(signal)]);
    return { result: this.result, bytes: framer.bytes };
  }

  /** The complete answer: checked and parsed as the element of the list, redacted if asked. */
  private whole(chunks: Buffer[], size: number): ExchangeOutcome {
    this.read = true;
    let text = Buffer.concat(chunks, size).toString('utf8');
    chunks.length = 0;
    const parsed = this.endpoint.answerOf(text, this.cmd.command);
    const { answer } = parsed;
    text = parsed.text;
    if (this.mode === 'redact' && answer.arguments !== undefined) {
      try {
        text = JSON.stringify({ ...answer, arguments: REDACTED_COMMANDS.get(this.cmd.command)!(answer.arguments) });
      } catch (err) {
        throw new KeaError('internal', `${this.cmd.command} on ${this.endpoint.label}: redaction failed`, { cause: err });
      }
    }
    this.result = answer.result;
    // Held until the response is written (once however often it repeats), and a copy in flight.
    // Kept as the string it is: the response body is a string, so a Buffer of it would be one
    // more copy each way.
    const bytes = Buffer.byteLength(text);
    this.share.shrinkTo(2 * bytes);
    this.readyD.resolve({ kind: 'whole', text, bytes, result: answer.result });
    return { result: answer.result, bytes: size };
  }
}
