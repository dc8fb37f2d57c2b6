import type { Count, MetricsRegistry } from './source.js';

export const KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT = 'kea_exporter_proxy_answer_bytes_in_flight';
export const KEA_EXPORTER_PROXY_BUDGET_REFUSALS = 'kea_exporter_proxy_budget_refusals_total';
export const KEA_EXPORTER_PROXY_ANSWERS_ABORTED = 'kea_exporter_proxy_answers_aborted_total';

/** Refused for want of budget: the request gets 503 with Retry-After. */
export class BudgetRefused extends Error {
  override readonly name = 'BudgetRefused';
}

/** The global budget of proxied answer bytes held in memory at once (collected answers and
 * stream buffers). Whoever cannot get a share is refused; nobody waits for one. */
export class AnswerBudget {
  private used = 0;

  constructor(
    readonly limit: number,
    private readonly onChange: (used: number) => void = () => {},
  ) {}

  get inFlight(): number {
    return this.used;
  }

  tryAcquire(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    this.onChange(this.used);
    return true;
  }

  release(n: number): void {
    this.used = Math.max(0, this.used - n);
    this.onChange(this.used);
  }
}

/** One holder's part of the budget: grows as its answer does, shrinks, is released once. */
export class BudgetShare {
  private held = 0;

  constructor(private readonly budget: AnswerBudget) {}

  /** Holds at least `total` bytes in all; throws BudgetRefused when the budget has no room. */
  grow(total: number): void {
    if (total <= this.held) return;
    if (!this.budget.tryAcquire(total - this.held)) throw new BudgetRefused('too many answer bytes in flight');
    this.held = total;
  }

  shrinkTo(total: number): void {
    if (total >= this.held) return;
    this.budget.release(this.held - total);
    this.held = total;
  }

  release(): void {
    this.shrinkTo(0);
  }
}

export interface ProxyStreaming {
  budget: AnswerBudget;
  refusals: Count<never>;
  aborted: Count<'reason'>;
}

/** The budget of proxy.maxAnswerBytesInFlight and its metrics, made in `metrics`: one per
 * exporter (routes.ts keeps one per source, however many servers are built for it). */
export function proxyStreaming(metrics: MetricsRegistry, maxAnswerBytesInFlight: number): ProxyStreaming {
  const gauge = metrics.gauge(
    KEA_EXPORTER_PROXY_ANSWER_BYTES_IN_FLIGHT,
    'Bytes of proxied answers held in memory now (collected answers and stream buffers), against proxy.maxAnswerBytesInFlight.',
  );
  gauge.set(0);
  return {
    budget: new AnswerBudget(maxAnswerBytesInFlight, (used) => gauge.set(used)),
    refusals: metrics.counter(KEA_EXPORTER_PROXY_BUDGET_REFUSALS, 'Proxied requests refused with 503 because proxy.maxAnswerBytesInFlight was reached.', []),
    aborted: metrics.counter(
      KEA_EXPORTER_PROXY_ANSWERS_ABORTED,
      'Proxied answers cut off after their 200 status was sent, by reason (timeout, closed, parse, bad_answer, too_large, too_deep, client).',
      ['reason'],
    ),
  };
}
