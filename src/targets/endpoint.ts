import type { CommandQueue } from '../queue/command-queue.js';
import { parseBody, type Transport } from '../transport/transport.js';
import { asAnswer, unwrapList } from '../kea/answer.js';
import { answerCap } from '../kea/limits.js';
import type { KeaAnswer, KeaCommand } from '../kea/types.js';
import { ATTR, SpanKind, SpanStatusCode, traced, type Span } from '../telemetry/tracing.js';

/** How to reach one daemon: its transport, the service name to put in commands (agent only),
 * and the one queue every command to it must pass. */
export class Endpoint {
  constructor(
    readonly transport: Transport,
    readonly queue: CommandQueue,
    /** Set when the daemon sits behind a Control Agent. */
    readonly service: string | undefined,
    readonly label: string,
    /** For spans: the target, and the daemon once known (the poller sets it on detection). */
    readonly target: string = label,
    public daemon: string | undefined = service,
  ) {}

  /** Sends one command through the daemon's queue and returns this daemon's answer. The
   * poller's commands have priority; the proxy's (priority false) may be refused when too
   * many wait. */
  async command(command: string, timeoutMs: number, args?: Record<string, unknown>, priority = true): Promise<KeaAnswer> {
    return (await this.exchange(command, timeoutMs, args, priority, answerCap(command))).answer;
  }

  /** A proxied command: through the same queue, after the poller's, refused (queue_full) when
   * too many wait. Returns Kea's answer as sent. */
  forward(command: string, timeoutMs: number, args?: Record<string, unknown>): Promise<{ answer: KeaAnswer; text: string }> {
    return this.exchange(command, timeoutMs, args, false);
  }

  /** One command in a client span: who, what, Kea's result code and the answer's size. */
  /** maxBytes: the per-command answer cap of the poller's commands (src/kea/limits.ts). */
  private exchange(command: string, timeoutMs: number, args: Record<string, unknown> | undefined, priority: boolean, maxBytes?: number): Promise<{ answer: KeaAnswer; text: string }> {
    const cmd: KeaCommand = { command };
    if (this.service) cmd.service = [this.service];
    if (args) cmd.arguments = args;
    const attributes = { [ATTR.target]: this.target, [ATTR.daemon]: this.daemon ?? 'unknown', [ATTR.command]: command, [ATTR.transport]: this.transport.kind };
    return traced(`kea ${command}`, attributes, async (span) => {
      // The wait and the exchange are bounded apart: a command is only sent with its whole time
      // budget, never with a sliver of it that would give up while Kea still works on it.
      const text = await this.queue.run(() => this.transport.request(cmd, timeoutMs, maxBytes), timeoutMs, priority);
      const out = this.answerOf(text, command);
      if (span.isRecording()) noteAnswer(span, out.answer, text);
      return out;
    }, { kind: SpanKind.CLIENT });
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

/** Result 0 (success) and 3 (empty) are answers; the others are failed commands. */
function noteAnswer(span: Span, answer: KeaAnswer, text: string): void {
  span.setAttribute(ATTR.result, answer.result);
  span.setAttribute(ATTR.responseBytes, Buffer.byteLength(text));
  if (answer.result !== 0 && answer.result !== 3) span.setStatus({ code: SpanStatusCode.ERROR, message: answer.text ?? `result ${answer.result}` });
}
