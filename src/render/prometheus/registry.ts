import { openMetricsContentType, prometheusContentType, type Counter, type Gauge } from 'prom-client';
import type { DaemonSnapshot, SeriesOwner } from '../../snapshot.js';
import { Snapshots } from '../snapshots.js';
import type { Collector, MetricDef } from './collector.js';
import { daemonCollector } from './daemon.js';
import { exporterCollector } from './exporter.js';
import { BODY_END, FAMILY_SEPARATOR } from './family-text.js';
import { GZIP_HEADER, appendCrc, deflatePiece, gzipTrailer, type Piece } from './gzip.js';
import { haCollector } from './ha.js';
import { OwnMetrics } from './own-metrics.js';
import { SeriesStore } from './series-store.js';
import { serviceCollector } from './service.js';
import { threadingCollector } from './threading.js';

export const COLLECTORS: readonly Collector[] = [daemonCollector, threadingCollector, serviceCollector, haCollector, exporterCollector];

export const BUILD_INFO = 'kea_exporter_build_info';
export const INVALID_SAMPLES = 'kea_exporter_invalid_samples_total';

/** A format and encoding no scrape asked for in this long is dropped: one `curl /metrics` of a
 * fleet would otherwise keep its 66 MB of text for good beside Prometheus' deflated ~6.4 MB. */
export const FORGET_AFTER_MS = 10 * 60_000;

const CONTENT_TYPE = { text: prometheusContentType, openMetrics: openMetricsContentType } as const;
const separator = (text: string) => ({ plain: Buffer.from(text), gzip: deflatePiece(Buffer.from(text)) });
const SEPARATOR = { text: separator(FAMILY_SEPARATOR.text), openMetrics: separator(FAMILY_SEPARATOR.openMetrics) } as const;

/**
 * /metrics: Kea's series, held as values per family (SeriesStore: updated when a poll lands,
 * written as text when a scrape finds a family changed), followed by the exporter's own metrics
 * (OwnMetrics: prom-client, process metrics included). Series a daemon no longer reports are
 * removed at its next update. The latest snapshot of every owner is kept as well (`snapshots`),
 * for the other readers of the same series (OTLP export).
 */
export class PrometheusRenderer {
  readonly snapshots: Snapshots;
  readonly own = new OwnMetrics();
  private readonly series: SeriesStore;
  private readonly invalid: Counter<'target' | 'daemon'>;
  /** Owner key -> the invalid-samples series it counted into (removed with its last owner). */
  private readonly invalidOwners = new Map<string, string>();
  /** The formats and encodings scrapes have asked for, and when last: those are written ahead. */
  private readonly asked = new Map<string, { openMetrics: boolean; gzip: boolean; at: number }>();
  private readonly now: () => number;
  private rewriting = false;

  constructor(
    opts: { version: string; processMetrics?: boolean; now?: () => number },
    private readonly collectors: readonly Collector[] = COLLECTORS,
    /** Families of other snapshot kinds (statistics), declared up front as well. */
    extraMetrics: readonly MetricDef[] = [],
  ) {
    this.now = opts.now ?? Date.now;
    this.snapshots = new Snapshots([...collectors.flatMap((c) => c.metrics), ...extraMetrics]);
    this.series = new SeriesStore([...this.snapshots.declared.values()]);
    // Created in the order /metrics lists them.
    this.own
      .gauge(BUILD_INFO, 'Version of kea-telemetry and of Node.js it runs on (always 1).', ['version', 'nodejs_version'])
      .set({ version: opts.version, nodejs_version: process.versions.node }, 1);
    this.invalid = this.own.counter(
      INVALID_SAMPLES,
      'Samples left out because their value cannot be exported (a negative or non-finite counter, a value that is no number); a counter that went down is a reset, not counted here.',
      ['target', 'daemon'],
    );
    if (opts.processMetrics !== false) this.own.collectProcessMetrics();
  }

  /** A counter the caller increments itself (e.g. proxy requests). Not a per-daemon family:
   * rendered on every scrape like the process metrics. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return this.own.counter(name, help, labelNames);
  }

  /** A gauge the caller sets itself (reload status), rendered on every scrape. */
  gauge(name: string, help: string): Gauge<string> {
    return this.own.gauge(name, help);
  }

  /** Replaces the series of one owner (key: a daemon, or a daemon's statistics) with what the
   * collectors make of its snapshot. Runs for every poll. */
  update<S extends SeriesOwner>(key: string, s: S, collectors: readonly Collector<S>[]): void;
  update(key: string, s: DaemonSnapshot): void;
  update(key: string, s: SeriesOwner, collectors: readonly Collector<SeriesOwner>[] = this.collectors): void {
    const { invalid, reshaped } = this.series.update(key, s, collectors);
    if (reshaped) this.rewriteSoon();
    // After the collectors ran: one that throws leaves the previous snapshot to every reader.
    this.snapshots.set(key, s, collectors);
    if (invalid > 0) {
      const labels = { target: s.target, daemon: s.daemon };
      this.invalid.inc(labels, invalid);
      this.invalidOwners.set(key, JSON.stringify(labels));
    }
  }

  /** Drops every series of a daemon that is no longer watched. */
  remove(key: string): void {
    this.series.remove(key);
    this.snapshots.delete(key);
    const counted = this.invalidOwners.get(key);
    this.invalidOwners.delete(key);
    if (counted !== undefined && ![...this.invalidOwners.values()].includes(counted)) {
      this.invalid.remove(JSON.parse(counted) as Record<string, string>);
    }
  }

  /** The body as encoded chunks, sent as they are: Kea's families as last written (only those
   * that changed are written again), then the exporter's own metrics, written every time. Held
   * until `release()` (called once the response is sent or aborted; a caller that never calls it
   * only costs the store a new allocation for that family's next text). Gzipped, the families'
   * texts are kept deflated (a fleet's 66 MB of statistics in ~1/10 of that), not as text, unless
   * a scrape asks for text as well. */
  async renderChunks(
    openMetrics: boolean,
    gzip = false,
  ): Promise<{ contentType: string; gzip: boolean; chunks: Buffer[]; length: number; release: () => void }> {
    const format = openMetrics ? 'openMetrics' : 'text';
    this.ask(openMetrics, gzip);
    const sep = SEPARATOR[format];
    // prom-client's text ends with the text format's final newline already.
    const own = Buffer.from(openMetrics ? `${await this.own.openMetrics()}${BODY_END.openMetrics}` : await this.own.text());
    const chunks: Buffer[] = [];
    const lease = this.series.lease(openMetrics, gzip);
    if (gzip) {
      // The trailer's CRC and length are the text's: combined from those of its pieces.
      let crc = 0;
      let text = 0;
      const add = (p: Omit<Piece, 'bytes'>) => {
        crc = appendCrc(crc, p.crc, p.shift);
        text += p.length;
      };
      chunks.push(GZIP_HEADER);
      for (const family of lease.texts) {
        chunks.push(family.bytes, sep.gzip.bytes);
        add(family.gzip!.text);
        add(sep.gzip);
      }
      const ownPiece = deflatePiece(own);
      add(ownPiece);
      chunks.push(ownPiece.bytes, gzipTrailer(crc, text));
    } else {
      for (const family of lease.chunks) chunks.push(family, sep.plain);
      chunks.push(own);
    }
    const length = chunks.reduce((n, b) => n + b.length, 0);
    return { contentType: CONTENT_TYPE[format], gzip, chunks, length, release: lease.release };
  }

  /** Notes a scrape's format and encoding; those no scrape asked for within FORGET_AFTER_MS are
   * no longer written ahead, and their texts are let go. */
  private ask(openMetrics: boolean, gzip: boolean): void {
    const at = this.now();
    this.asked.set(`${openMetrics} ${gzip}`, { openMetrics, gzip, at });
    for (const [key, a] of this.asked) {
      if (at - a.at <= FORGET_AFTER_MS) continue;
      this.asked.delete(key);
      this.series.forget(a.openMetrics, a.gzip);
    }
  }

  /** Formats and encodings the store holds texts in (tests). */
  get held(): string[] {
    return this.series.held();
  }

  /** After a poll whose series appeared or went (a first statistics poll: 40,000 series), the
   * families it changed are written right away, in the formats scrapers ask for, so that no scrape
   * waits while they are. Values that only changed are written by the next scrape: a fleet's
   * gauges change every poll, and are written once per scrape, not once per poll. One pass for
   * all the updates of one turn of the event loop. */
  private rewriteSoon(): void {
    if (this.rewriting || this.asked.size === 0) return;
    this.rewriting = true;
    setImmediate(() => {
      this.rewriting = false;
      try {
        for (const { openMetrics, gzip } of this.asked.values()) this.series.chunks(openMetrics, gzip);
      } catch {
        // The next scrape writes them itself, and meets what failed on its own path.
      }
    }).unref();
  }

  /** Family texts the store has written (tests). */
  get familiesWritten(): number {
    return this.series.written;
  }

  /** Owners' lines the store has written into family texts (tests). */
  get linesWritten(): number {
    return this.series.linesWritten;
  }

  /** Scrapes' holds on family texts not yet released (tests). */
  get leases(): number {
    return this.series.leases;
  }

  /** The same as one string (tests, tools). */
  async render(openMetrics: boolean): Promise<{ contentType: string; body: string }> {
    const { contentType, chunks, release } = await this.renderChunks(openMetrics);
    const body = Buffer.concat(chunks).toString('utf8');
    release();
    return { contentType, body };
  }
}
