/**
 * A request's timeout that means "Kea was slow", not "the exporter's event loop was stalled".
 *
 * When the timer fires, the decision waits for setImmediate: that runs after the poll phase,
 * where a stalled loop's pending socket data is delivered, so an answer that arrived during the
 * stall is read first. And the time the loop stole from the request is given back: while any
 * deadline is armed, a light sampler measures how late the loop runs; a request whose window
 * lost time to stalls gets that much longer, up to one extra timeout period in total.
 */

/** How often the sampler looks at the loop while requests are in flight. */
const SAMPLE_MS = 50;
/** Lateness below this is ordinary timer jitter, not a stall. */
const JITTER_MS = 10;

let stolenTotal = 0;
let sampler: NodeJS.Timeout | undefined;
let sampleDue = 0;
let armed = 0;

function sample(): void {
  const now = performance.now();
  const late = now - sampleDue;
  if (late > JITTER_MS) stolenTotal += late - JITTER_MS;
  sampleDue = now + SAMPLE_MS;
}

/** Milliseconds of loop stall measured so far, counting the sampler's current overdue time. */
function stolen(): number {
  const late = performance.now() - sampleDue;
  return stolenTotal + (sampler && late > JITTER_MS ? late - JITTER_MS : 0);
}

function hold(): void {
  if (armed++ > 0) return;
  sampleDue = performance.now() + SAMPLE_MS;
  sampler = setInterval(sample, SAMPLE_MS);
  sampler.unref();
}

function release(): void {
  if (--armed > 0) return;
  clearInterval(sampler);
  sampler = undefined;
}

/** Milliseconds the event loop has been stalled, measured while any deadline is armed (only
 * ever grows): what a request's deadline was extended by is at most the growth since it began.
 * The command queue's watchdog allows its holders the same. */
export function loopStalledMs(): number {
  return stolen();
}

export interface Deadline {
  /** Call once the request settled; idempotent. */
  cancel(): void;
  /** Milliseconds granted beyond timeoutMs for the loop's stalls (for the error message). */
  readonly extendedMs: number;
}

/** Calls onExpire once, when the request has had timeoutMs of a running event loop; never
 * throws out of a timer (onExpire's own throw is passed to onError). */
export function startDeadline(timeoutMs: number, onExpire: () => void, onError: (err: unknown) => void): Deadline {
  hold();
  const stolenAtStart = stolen();
  let done = false;
  let granted = 0;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;

  const decide = (): void => {
    immediate = undefined;
    if (done) return;
    const owed = Math.min(stolen() - stolenAtStart, timeoutMs) - granted;
    if (owed > JITTER_MS) {
      granted += owed;
      timer = setTimeout(fire, owed);
      return;
    }
    cancel();
    try {
      onExpire();
    } catch (err) {
      onError(err);
    }
  };
  const fire = (): void => {
    timer = undefined;
    if (!done) immediate = setImmediate(decide);
  };
  const cancel = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    release();
  };
  timer = setTimeout(fire, timeoutMs);
  return {
    cancel,
    get extendedMs() {
      return Math.round(granted);
    },
  };
}
