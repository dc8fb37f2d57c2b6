import { valueText } from './family-text.js';

export type Format = 'text' | 'openMetrics';

/** A segment's lines in its family's written bytes of one format, as of the segment's version. */
export interface Place {
  version: number;
  start: number;
  end: number;
}

/** One owner's series of one family as the writer reads them (the store's Segment). */
export interface Lines {
  readonly held: Iterable<{ readonly labels: string; readonly value: number }>;
  /** Bumped whenever one of its series changes, appears or goes. */
  readonly version: number;
  readonly at: { text?: Place; openMetrics?: Place };
}

/** A family's text as written for one version of it: `bytes`, the start of `room` (allocated
 * with headroom, so that the family's next text, a little longer, fits in it). A scrape's
 * response holds it (`leases`) until sent: a room is written again only when nothing holds it. */
export interface Written {
  readonly version: number;
  readonly bytes: Buffer;
  readonly room: Buffer;
  leases: number;
}

/** Chunks of a body, held until `release()`: until then no room they sit in is written again. */
export interface Lease {
  readonly chunks: Buffer[];
  readonly release: () => void;
}

/** Holds the texts until released (once, however many calls). */
export function lease(texts: readonly Written[]): Lease {
  for (const w of texts) w.leases++;
  let released = false;
  return {
    chunks: texts.map((w) => w.bytes),
    release: () => {
      if (released) return;
      released = true;
      for (const w of texts) w.leases--;
    },
  };
}

/** Bytes of scratch kept between scrapes (more is dropped by trim()). */
const SCRATCH_KEPT = 1 << 20;

/**
 * Writes families' texts: each segment's lines copied from `old` (the family's text as last
 * written in this format) when they did not change since, written when they did, into the
 * spare's room when that is free and large enough (no new allocation, and no fresh pages for
 * the kernel to zero, per scrape of a fleet's 75 MB of statistics). Changed lines are built one
 * segment at a time and put in a scratch buffer, so that no more than one segment's text is
 * alive at once (a scrape of a fleet writes thousands).
 */
export class FamilyWriter {
  /** Owners' lines written (tests: what a scrape had to write). */
  linesWritten = 0;
  private scratch = Buffer.alloc(0);

  write(
    header: Buffer,
    sample: string,
    segments: Iterable<Lines>,
    format: Format,
    old: Written | undefined,
    spare: Written | undefined,
    version: number,
  ): Written {
    // Each segment's bytes: [start, end) of `old` (fromOld[i]) or of the scratch.
    const fromOld: boolean[] = [];
    const bounds: number[] = [];
    let used = 0;
    let length = header.length;
    for (const segment of segments) {
      let place = segment.at[format];
      let size: number;
      if (old && place?.version === segment.version) {
        fromOld.push(true);
        bounds.push(place.start, place.end);
        size = place.end - place.start;
      } else {
        let text = '';
        for (const held of segment.held) text += `\n${sample}${held.labels} ${valueText(held.value)}`;
        this.reserve(used, text.length * 3);
        size = this.scratch.write(text, used);
        fromOld.push(false);
        bounds.push(used, (used += size));
        this.linesWritten++;
      }
      if (!place) segment.at[format] = place = { version: 0, start: 0, end: 0 };
      place.version = segment.version;
      place.start = length;
      place.end = length += size;
    }
    const room = spare && spare.leases === 0 && spare.room.length >= length ? spare.room : Buffer.allocUnsafeSlow(length + (length >> 3));
    let at = header.copy(room, 0);
    for (let i = 0; i < fromOld.length; i++) at += (fromOld[i] ? old!.bytes : this.scratch).copy(room, at, bounds[2 * i], bounds[2 * i + 1]);
    return { version, bytes: room.subarray(0, length), room, leases: 0 };
  }

  /** After a scrape: a scratch grown by a first poll of thousands of subnets is not kept. */
  trim(): void {
    if (this.scratch.length > SCRATCH_KEPT) this.scratch = Buffer.alloc(0);
  }

  /** Room in the scratch for `more` bytes after the first `used`. */
  private reserve(used: number, more: number): void {
    if (used + more <= this.scratch.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.scratch.length, used + more, 64 * 1024));
    this.scratch.copy(grown, 0, 0, used);
    this.scratch = grown;
  }
}
