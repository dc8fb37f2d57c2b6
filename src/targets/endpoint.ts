import type { CommandQueue } from '../queue/command-queue.js';
import type { Transport } from '../transport/transport.js';
import { asAnswer, unwrapList } from '../kea/answer.js';
import type { KeaAnswer, KeaCommand } from '../kea/types.js';

/** How to reach one daemon: its transport, the service name to put in commands (agent only),
 * and the one queue every command to it must pass. */
export class Endpoint {
  constructor(
    readonly transport: Transport,
    readonly queue: CommandQueue,
    /** Set when the daemon sits behind a Control Agent. */
    readonly service: string | undefined,
    readonly label: string,
  ) {}

  /** Sends one command through the daemon's queue and returns this daemon's answer. */
  async command(command: string, timeoutMs: number, args?: Record<string, unknown>): Promise<KeaAnswer> {
    const cmd: KeaCommand = { command };
    if (this.service) cmd.service = [this.service];
    if (args) cmd.arguments = args;
    // Waiting for a slot is bounded too, so a busy daemon cannot stall its caller forever.
    const body = await this.queue.run(() => this.transport.request(cmd, timeoutMs), timeoutMs);
    const what = `${command} on ${this.label}`;
    if (this.transport.kind === 'unix') return asAnswer(body, what);
    return unwrapList(body, 1, what)[0]!;
  }
}
