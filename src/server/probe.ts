/** GET /probe without amplification: whatever the number of clients, one target is polled at most
 * once per PROBE_MIN_AGE_MS (single-flight while a poll runs, its result reused while it is
 * young), each format is rendered once per poll, and few renders run at once. */

/** A probe result younger than this is served again instead of polling Kea again. 1 s is below
 * any sensible scrape interval (Prometheus' default is 1 min, 10-15 s is common, its minimum 1 s),
 * so a single Prometheus still gets a fresh poll per scrape, while two HA Prometheus replicas or a
 * client hammering /probe share one: Kea sees at most one status-get (and one statistic-get-all)
 * per target per second plus the poll's own duration, however many requests arrive. */
export const PROBE_MIN_AGE_MS = 1000;
/** Renders running at once (a probe's CPU and memory: a renderer of the target's series and its
 * text). Polls are not limited here: they wait on Kea, and one target has at most one. */
export const PROBE_MAX_RENDERING = 4;
/** Requests waiting for a probe result at once, all targets together; more get 503 + Retry-After.
 * Above the client connection cap on purpose: over sockets it is a safety net. */
export const PROBE_MAX_WAITING = 1024;

export interface ProbeBody {
  contentType: string;
  body: Buffer;
  /** Rendered at the scraper's deadline while the poll still ran: the last values known. */
  late?: true;
}

/** Prometheus sends its scrape timeout in this header. */
export const SCRAPE_TIMEOUT_HEADER = 'x-prometheus-scrape-timeout-seconds';
/** Answer this long before the scraper gives up (blackbox_exporter's default timeout offset):
 * an answer with the last known values beats a scrape that failed. */
export const SCRAPE_TIMEOUT_OFFSET_MS = 500;

/** The wait a probe may spend on its poll, from X-Prometheus-Scrape-Timeout-Seconds; undefined
 * when absent or not a positive number (the probe then waits for the poll, as before). */
export function probeWaitMs(header: string | string[] | undefined): number | undefined {
  const s = Array.isArray(header) ? header[0] : header;
  if (s === undefined || !/^\s*\d{1,6}(\.\d{1,9})?\s*$/.test(s)) return undefined;
  const ms = Number(s) * 1000;
  if (!(ms > 0)) return undefined;
  // Half the timeout at least: a 0.6 s timeout leaves 0.3 s, not 0.1.
  return Math.max(ms - SCRAPE_TIMEOUT_OFFSET_MS, ms / 2);
}

export interface ProbeOptions<K> {
  /** Polls the target now; never rejects (the Scheduler's polls do not). */
  poll(key: K): Promise<void>;
  /** Renders the target's current series in one format. */
  render(key: K, openMetrics: boolean): Promise<ProbeBody>;
  minAgeMs?: number;
  maxRendering?: number;
  maxWaiting?: number;
}

interface Entry {
  /** The poll; `at` is set when it completed. */
  poll: Promise<void>;
  at?: number;
  /** Per format (true: OpenMetrics), the body rendered from this poll. */
  bodies: Map<boolean, Promise<ProbeBody>>;
}

/** Probe results per target (keyed by the Target object itself: a reload that replaces a target
 * starts afresh). Entries are dropped MIN_AGE after their poll, so only recently probed targets
 * hold a body. */
export class ProbeCache<K extends object> {
  private readonly entries = new Map<K, Entry>();
  private readonly minAgeMs: number;
  private readonly maxWaiting: number;
  private readonly slots: Slots;
  private waiting = 0;

  constructor(private readonly o: ProbeOptions<K>) {
    this.minAgeMs = o.minAgeMs ?? PROBE_MIN_AGE_MS;
    this.maxWaiting = o.maxWaiting ?? PROBE_MAX_WAITING;
    this.slots = new Slots(o.maxRendering ?? PROBE_MAX_RENDERING);
  }

  /** Requests waiting now (tests, metrics). */
  get pending(): number {
    return this.waiting;
  }

  /** The target's body in that format; 'busy' when too many requests wait already. With waitMs,
   * a poll not done by then is left running and the target's current series are answered
   * (`late`). Rejects only if rendering throws (the route answers 500). */
  async get(key: K, openMetrics: boolean, waitMs?: number): Promise<ProbeBody | 'busy'> {
    let entry = this.entries.get(key);
    if (entry?.at !== undefined && performance.now() - entry.at >= this.minAgeMs) entry = undefined;
    const ready = entry?.at !== undefined ? entry.bodies.get(openMetrics) : undefined;
    if (ready) return ready; // the common case under load: a young body, nothing to wait for
    if (this.waiting >= this.maxWaiting) return 'busy';
    this.waiting++;
    try {
      entry ??= this.start(key);
      if (waitMs === undefined) await entry.poll;
      else if (!(await settlesWithin(entry.poll, waitMs))) {
        // The poll goes on (the next probe reuses it); this answer is not kept as its result.
        const late = await this.slots.run(() => this.o.render(key, openMetrics));
        return { ...late, late: true };
      }
      let body = entry.bodies.get(openMetrics);
      if (!body) {
        body = this.slots.run(() => this.o.render(key, openMetrics));
        entry.bodies.set(openMetrics, body);
        // A failed render is not kept: the next request tries again.
        const e = entry;
        body.catch(() => e.bodies.get(openMetrics) === body && e.bodies.delete(openMetrics));
      }
      return await body;
    } finally {
      this.waiting--;
    }
  }

  private start(key: K): Entry {
    const entry: Entry = { poll: Promise.resolve(), bodies: new Map() };
    // A poll that failed is in the snapshots (kea_up 0); a rejection would be a bug, rendered the same.
    entry.poll = this.o
      .poll(key)
      .catch(() => undefined)
      .finally(() => {
        entry.at = performance.now();
        // Frees the bodies of a target nobody probes any more; get() checks the age as well, in
        // case this timer runs late.
        const timer = setTimeout(() => {
          if (this.entries.get(key) === entry) this.entries.delete(key);
        }, this.minAgeMs);
        timer.unref();
      });
    this.entries.set(key, entry);
    return entry;
  }
}

/** Whether p settles within ms (it is left to run either way). */
async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** At most n tasks at once, the others in arrival order. */
class Slots {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly n: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.n) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next)
        next(); // the slot passes on as it is
      else this.running--;
    }
  }
}
