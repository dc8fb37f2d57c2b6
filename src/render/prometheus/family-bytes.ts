export type Format = 'text' | 'openMetrics';

/** A segment's lines in its family's written bytes of one format, as of the segment's version. */
export interface Place {
  version: number;
  start: number;
  end: number;
}

/** One owner's series of one family as the writer reads them (the store's Segment). */
export interface Lines {
  /** Its sample lines, each `\n<sample><labels> <value>`. */
  text(sample: string): string;
  /** Bumped whenever one of its series changes, appears or goes. */
  readonly version: number;
  readonly at: { text?: Place; openMetrics?: Place };
}

/** A family's text as written for one version of it: `bytes`, the start of `room` (allocated
 * with headroom, so that the family's next text, a little longer, fits in it). A scrape's
 * response holds it (`leases`) until sent: a room is written again only when nothing holds it
 * (only the latest text of a room can be held: one written while a text was held gets a room of
 * its own). */
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

/** Holds the texts until released (once, however many calls; then `done`). */
export function lease(texts: readonly Written[], done?: () => void): Lease {
  for (const w of texts) w.leases++;
  let released = false;
  return {
    chunks: texts.map((w) => w.bytes),
    release: () => {
      if (released) return;
      released = true;
      for (const w of texts) w.leases--;
      done?.();
    },
  };
}

/** Bytes of scratch kept between scrapes (more is dropped by trim()). */
const SCRATCH_KEPT = 1 << 20;

/**
 * Writes families' texts: each segment's lines kept from `old` (the family's text as last written
 * in this format) when they did not change since, written when they did. In old's own room when
 * no response holds it and the text fits (moved within it: no allocation, and no fresh pages for
 * the kernel to zero, per scrape of a fleet's 75 MB of statistics; one room per family), else in
 * a new room they are copied to. Changed lines are built one segment at a time and put in a
 * scratch buffer, so that no more than one segment's text is alive at once (a scrape of a fleet
 * writes thousands).
 */
export class FamilyWriter {
  /** Owners' lines written (tests: what a scrape had to write). */
  linesWritten = 0;
  private scratch = Buffer.alloc(0);

  write(header: Buffer, sample: string, segments: Iterable<Lines>, format: Format, old: Written | undefined, version: number): Written {
    // Unchanged segments: [start, end) in old, and their new start; changed ones: in the scratch.
    const kept: number[] = [];
    const fresh: number[] = [];
    let used = 0;
    let length = header.length;
    for (const segment of segments) {
      let place = segment.at[format];
      let size: number;
      if (old && place?.version === segment.version) {
        size = place.end - place.start;
        kept.push(place.start, place.end, length);
      } else {
        const text = segment.text(sample);
        this.reserve(used, text.length * 3);
        size = this.scratch.write(text, used);
        fresh.push(used, (used += size), length);
        this.linesWritten++;
      }
      if (!place) segment.at[format] = place = { version: 0, start: 0, end: 0 };
      place.version = segment.version;
      place.start = length;
      place.end = length += size;
    }
    let room: Buffer;
    if (old && old.leases === 0 && old.room.length >= length && old.room.length <= 2 * length) {
      room = old.room;
      // Within one room: those moving left in order, then those moving right in reverse order,
      // so that none is written over before it moved (changed ones are not read).
      for (let i = 0; i < kept.length; i += 3) if (kept[i + 2]! < kept[i]!) room.copyWithin(kept[i + 2]!, kept[i]!, kept[i + 1]);
      for (let i = kept.length - 3; i >= 0; i -= 3) if (kept[i + 2]! > kept[i]!) room.copyWithin(kept[i + 2]!, kept[i]!, kept[i + 1]);
    } else {
      room = Buffer.allocUnsafeSlow(length + (length >> 3));
      header.copy(room, 0);
      for (let i = 0; i < kept.length; i += 3) old!.bytes.copy(room, kept[i + 2], kept[i], kept[i + 1]);
    }
    for (let i = 0; i < fresh.length; i += 3) this.scratch.copy(room, fresh[i + 2], fresh[i], fresh[i + 1]);
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
