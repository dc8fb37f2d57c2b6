import { toKeaError } from '../errors.js';
import type { Target } from '../targets/target.js';
import type { ProxiedCommand } from './body.js';
import { REDACTED_COMMANDS } from './redact.js';

export interface Forwarded {
  status: number;
  /** The body: a JSON list, one element per service, as a Control Agent answers. */
  body: string;
  /** Kea result code of each element (for the audit line and the metric). */
  results: number[];
  retryAfterS?: number;
}

/** Bare maps the Control Agent answers instead of a list. */
export const bare = (status: number, text: string): string => JSON.stringify({ result: status, text });

/** Runs one proxied command for each requested service in order, each through its daemon's
 * queue, and assembles the list. Kea's own text is passed on untouched (exact numbers), except
 * config-get and config-hash-get answers, which are redacted unless `unredacted`. */
export async function forward(target: Target, cmd: ProxiedCommand, timeoutMs: number, unredacted: boolean): Promise<Forwarded> {
  const services = cmd.service ?? [undefined];
  const parts = await Promise.allSettled(services.map((s) => one(target, s, cmd, timeoutMs, unredacted)));
  // A full queue or a wait past the timeout is the whole request's fate, as HTTP says it.
  for (const p of parts) {
    if (p.status === 'rejected') {
      const e = toKeaError(p.reason);
      if (e.code === 'queue_full') return { status: 503, body: bare(503, 'Service Unavailable: too many commands waiting for this daemon'), results: [], retryAfterS: 1 };
      return { status: 504, body: bare(504, `Gateway Timeout: ${e.message}`), results: [] };
    }
  }
  const ok = parts as PromiseFulfilledResult<{ text: string; result: number }>[];
  return { status: 200, body: `[ ${ok.map((p) => p.value.text).join(', ')} ]`, results: ok.map((p) => p.value.result) };
}

async function one(
  target: Target,
  service: string | undefined,
  cmd: ProxiedCommand,
  timeoutMs: number,
  unredacted: boolean,
): Promise<{ text: string; result: number }> {
  const endpoint = target.endpointFor(service);
  if (!endpoint) return element(1, `forwarding socket is not configured for the server type ${service}`);
  try {
    const { answer, text } = await endpoint.forward(cmd.command, timeoutMs, cmd.arguments);
    const redact = unredacted ? undefined : REDACTED_COMMANDS.get(cmd.command);
    if (!redact || answer.arguments === undefined) return { text, result: answer.result };
    return { text: JSON.stringify({ ...answer, arguments: redact(answer.arguments) }), result: answer.result };
  } catch (err) {
    const e = toKeaError(err);
    if (e.code === 'queue_full' || e.code === 'queue_timeout' || e.code === 'timeout') throw e;
    // The daemon is unreachable or answered garbage: what the agent says in that case.
    return element(1, `unable to forward command to the ${service ?? target.name} service: ${e.message}`);
  }
}

function element(result: number, text: string): { text: string; result: number } {
  return { text: JSON.stringify({ result, text }), result };
}
