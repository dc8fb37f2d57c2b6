import type { CommandQueue } from '../queue/command-queue.js';
import { parseBody, type Transport } from '../transport/transport.js';
import { asAnswer, unwrapList } from '../kea/answer.js';
import { answerCap } from '../kea/limits.js';
import { RESULT, type KeaAnswer, type KeaCommand } from '../kea/types.js';
import { KeaError } from '../errors.js';
import type { AnswerStream } from '../transport/stream.js';
import { ATTR, SpanKind, SpanStatusCode, traced, type Span } from '../telemetry/tracing.js';

/** How to reach one daemon: its transport, the service name to put in commands (agent only),
 * and the one queue every command to it must pass. Immutable: what answers is the poller's
 * knowledge, read through `daemonOf` for the spans, never written here. */
export class Endpoint {
  constructor(
    readonly transport: Transport,
    readonly queue: CommandQueue,
    /** Set when the daemon sits behind a Control Agent. */
    readonly service: string | undefined,
    readonly label: string,
    /** For spans: the target. */
    readonly target: string = label,
    /** For spans: the daemon as far as it is known (configured, else detected at first contact). */
    private readonly daemonOf: () => string | undefined = () => service,
  ) {}

  /** The daemon the spans name: undefined while not yet known. */
  get daemon(): string | undefined {
    return this.daemonOf();
  }

  /** Sends one command through the daemon's queue and returns this daemon's answer. The
   * poller's commands have priority; the proxy's (priority false) may be refused when too
   * many wait. */
  async command(command: string, timeoutMs: number, args?: Record<string, unknown>, priority = true): Promise<KeaAnswer> {
    return (await this.commandText(command, timeoutMs, args, priority)).answer;
  }

  /** As command(), with this daemon's answer also as Kea printed it (for an HTTP list, the text
   * of its one element): Kea's config hash rule hashes that text, not a re-serialisation. */
  commandText(command: string, timeoutMs: number, args?: Record<string, unknown>, priority = true): Promise<{ answer: KeaAnswer; text: string }> {
    return this.exchange(command, timeoutMs, args, priority, answerCap(command));
  }

  /** A proxied command, its answer streamed: through the same queue, after the poller's,
   * refused (queue_full) when too many wait. `admit` runs once the slot is got, before
   * connecting (it may throw to refuse). `consume` reads Kea's answer as it arrives, inside the
   * slot: the slot is held until it resolves, never longer than timeoutMs from the moment it
   * was got (then the connection is closed and consume's reads and waits fail with `timeout`).
   * `cancel` ends it early (the client went away). */
  forward<T extends StreamedOutcome>(
    command: string,
    timeoutMs: number,
    args: Record<string, unknown> | undefined,
    consume: (answer: AnswerStream, signal: AbortSignal) => Promise<T>,
    opts: { cancel?: AbortSignal; admit?: () => void } = {},
  ): Promise<T> {
    const { cmd, attributes } = this.prepare(command, args);
    // Waits at most timeoutMs for the slot, then holds it at most timeoutMs (runMs): what a poll
    // queued behind it may have to wait.
    return traced(
      `kea ${command}`,
      attributes,
      (span) =>
        this.queue.run(
          async (budgetMs) => {
            opts.admit?.();
            // One signal for the deadline and the caller's cancel, linked by hand (AbortSignal.any
            // costs a weak reference and a finalizer per command).
            const stop = new AbortController();
            const signal = stop.signal;
            const timer = setTimeout(() => stop.abort(new KeaError('timeout', `${command} on ${this.label}: not done within ${budgetMs} ms`)), budgetMs);
            const { cancel } = opts;
            const onCancel = (): void => stop.abort(cancel?.reason);
            if (cancel?.aborted) onCancel();
            else cancel?.addEventListener('abort', onCancel, { once: true });
            let answer: AnswerStream | undefined;
            try {
              answer = await this.transport.stream(cmd, signal);
              const out = await consume(answer, signal);
              if (out.result !== undefined) span.setAttribute(ATTR.result, out.result);
              span.setAttribute(ATTR.responseBytes, out.bytes);
              return out;
            } finally {
              clearTimeout(timer);
              cancel?.removeEventListener('abort', onCancel);
              answer?.close();
            }
          },
          { runMs: timeoutMs, waitMs: timeoutMs },
        ),
      { kind: SpanKind.CLIENT },
    );
  }

  /** One command in a client span: who, what, Kea's result code and the answer's size. */
  /** maxBytes: the per-command answer cap of the poller's commands (src/kea/limits.ts). */
  private exchange(
    command: string,
    timeoutMs: number,
    args: Record<string, unknown> | undefined,
    priority: boolean,
    maxBytes?: number,
  ): Promise<{ answer: KeaAnswer; text: string }> {
    const { cmd, attributes } = this.prepare(command, args);
    return traced(
      `kea ${command}`,
      attributes,
      async (span) => {
        // The wait and the exchange are bounded apart: a command is only sent with its whole time
        // budget, never with a sliver of it that would give up while Kea still works on it. A
        // proxied command waits at most timeoutMs; a poll's waits as long as the commands holding
        // the slots may still run (timeoutMs would fail it behind one long proxied command), and
        // its budget covers the proxied ones Kea runs beside it first (queue.run).
        const wait = priority ? { priority } : { waitMs: timeoutMs };
        const text = await this.queue.run((budgetMs) => this.transport.request(cmd, budgetMs, maxBytes), { runMs: timeoutMs, ...wait });
        const out = this.answerOf(text, command);
        if (span.isRecording()) noteAnswer(span, out.answer, text);
        return out;
      },
      { kind: SpanKind.CLIENT },
    );
  }

  /** The command as sent to this daemon (the service named behind an agent) and its span's attributes. */
  private prepare(command: string, args: Record<string, unknown> | undefined): { cmd: KeaCommand; attributes: Record<string, string> } {
    const cmd: KeaCommand = { command };
    if (this.service) cmd.service = [this.service];
    if (args) cmd.arguments = args;
    // Assigned, not an object literal with computed keys (which V8 builds in its runtime, slowly).
    const attributes: Record<string, string> = {};
    attributes[ATTR.target] = this.target;
    attributes[ATTR.daemon] = this.daemon ?? 'unknown';
    attributes[ATTR.command] = command;
    attributes[ATTR.transport] = this.transport.kind;
    return { cmd, attributes };
  }

  /** This daemon's answer, parsed and as text (the element of an HTTP list). */
  answerOf(text: string, command: string): { answer: KeaAnswer; text: string } {
    const what = `${command} on ${this.label}`;
    const body = parseBody(text, what);
    if (this.transport.kind === 'unix') return { answer: asAnswer(body, what), text: text.trim() };
    const answer = unwrapList(body, 1, what)[0]!;
    // A one-element list: its element is the text between the brackets.
    const t = text.trim();
    return { answer, text: t.slice(1, -1).trim() };
  }
}

/** What a streamed exchange reports for its span: Kea's result code (when known) and the bytes. */
export interface StreamedOutcome {
  result: number | undefined;
  bytes: number;
}

/** Result 0 (success) and 3 (empty) are answers; the others are failed commands. */
function noteAnswer(span: Span, answer: KeaAnswer, text: string): void {
  span.setAttribute(ATTR.result, answer.result);
  span.setAttribute(ATTR.responseBytes, Buffer.byteLength(text));
  if (answer.result !== RESULT.success && answer.result !== RESULT.empty)
    span.setStatus({ code: SpanStatusCode.ERROR, message: answer.text ?? `result ${answer.result}` });
}
