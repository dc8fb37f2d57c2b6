/** Identical small reads waiting for the same daemon share one exchange: eight dashboards asking
 * a daemon's status-get at once cost Kea one command, not eight, and the proxy one connection.
 * A request joins only an exchange that is still waiting for its slot, never one already sent:
 * every answer is one Kea gave after the request came in, as if it had been sent alone. */
import { KeaError } from '../errors.js';
import { isReadCommand } from '../kea/commands.js';
import { answerCap } from '../kea/limits.js';
import type { AnswerBudget } from './budget.js';
import type { ProxiedCommand } from './body.js';
import { ElementExchange, type Element, type Ready } from './element.js';
import type { ProxyEndpoint } from './source.js';

/** Commands that may share an exchange: reads whose answers are small by nature (the poller's
 * own commands, capped in src/kea/limits.ts), so reading them whole costs no more than passing
 * them on. A mutating command, or a read that may stream megabytes, always runs alone. */
export const shareable = (command: string): boolean => isReadCommand(command) && answerCap(command) !== undefined;

type Ctx = { timeoutMs: number; budget: AnswerBudget; cancel: AbortSignal };

/** One exchange and the requests that took it. */
class Group {
  /** Requests that took it, those of them still waiting for it, and those that gave it back. */
  members = 0;
  active = 0;
  released = 0;
  readonly cancel = new AbortController();
  readonly exchange: ElementExchange;
  private open = true;

  constructor(
    private readonly map: Map<string, Group>,
    private readonly key: string,
    endpoint: ProxyEndpoint,
    cmd: ProxiedCommand,
    mode: 'whole' | 'redact',
    ctx: Ctx,
  ) {
    // In the map before the exchange starts: with a free slot it is admitted (closed) at once.
    map.set(key, this);
    this.exchange = new ElementExchange(endpoint, cmd, mode, {
      timeoutMs: ctx.timeoutMs,
      budget: ctx.budget,
      cancel: this.cancel.signal,
      admitted: () => this.close(),
    });
  }

  /** No longer joinable: it got its slot (is being sent), or nobody wants it any more. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    if (this.map.get(this.key) === this) this.map.delete(this.key);
  }
}

/** Per daemon, by mode, timeout, command and arguments: the exchanges waiting for its slot. */
const waiting = new WeakMap<ProxyEndpoint, Map<string, Group>>();

/** This request's element of the exchange `cmd` shares with identical ones waiting for the
 * same daemon: joins one, or starts one others may join until it gets its slot. */
export function sharedElement(endpoint: ProxyEndpoint, cmd: ProxiedCommand, mode: 'whole' | 'redact', ctx: Ctx): SharedElement {
  // Redacted and clear answers never mix; the timeout is in the key as a reload may change it.
  const key = `${mode} ${ctx.timeoutMs} ${cmd.command} ${cmd.arguments === undefined ? '' : JSON.stringify(cmd.arguments)}`;
  let byKey = waiting.get(endpoint);
  if (!byKey) waiting.set(endpoint, (byKey = new Map<string, Group>()));
  const group = byKey.get(key) ?? new Group(byKey, key, endpoint, cmd, mode, ctx);
  return new SharedElement(group, ctx.cancel);
}

/** One request's part of a shared exchange. */
export class SharedElement implements Element {
  readonly ready: Promise<Ready>;
  private left = false;
  private released = false;

  constructor(
    private readonly group: Group,
    signal: AbortSignal,
  ) {
    group.members++;
    group.active++;
    this.ready = group.exchange.ready;
    if (signal.aborted) this.leave();
    else signal.addEventListener('abort', () => this.leave(), { once: true });
  }

  get running(): boolean {
    return this.group.exchange.running;
  }

  /** Another request took the same exchange (known once it was sent). */
  get shared(): boolean {
    return this.group.members > 1;
  }

  release(): void {
    this.leave();
    if (this.released) return;
    this.released = true;
    // The answer is held once, until the last request that took it has written it.
    if (++this.group.released === this.group.members) this.group.exchange.release();
  }

  /** Gone (its client left, or its response is done): the exchange stops once nobody wants it. */
  private leave(): void {
    if (this.left) return;
    this.left = true;
    if (--this.group.active > 0) return;
    this.group.close();
    // Nearly always the answer is read by now: no error to make (its stack trace costs).
    if (this.group.exchange.running) this.group.cancel.abort(new KeaError('closed', 'every request sharing the exchange is gone'));
  }
}
