/** A UNIX-socket relay in front of a (fake or real) Kea socket that hashes what Kea sends, so
 * a test can check that the proxy passed Kea's answer on byte for byte without keeping it. One
 * upstream connection per accepted one: Kea sees exactly the connections the exporter opens. */
import { createHash, type Hash } from 'node:crypto';
import { rmSync } from 'node:fs';
import net from 'node:net';

export interface Relayed {
  command: string;
  /** Bytes Kea sent on this connection. */
  bytes: number;
  /** SHA-256 (hex) of `prefix + what Kea sent + suffix`, once Kea closed its side. */
  wrapped?: string;
}

export class HashingRelay {
  readonly exchanges: Relayed[] = [];
  /** Connections from the exporter not yet closed by it, and the most at once: what the
   * exporter holds open (Kea itself notices a close only at its next write). */
  open = 0;
  maxOpen = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly path: string,
    upstream: string,
    prefix: string,
    suffix: string,
  ) {
    this.server = net.createServer((client) => {
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      const up = net.createConnection(upstream);
      this.sockets.add(client).add(up);
      const ex: Relayed = { command: '', bytes: 0 };
      const hash: Hash = createHash('sha256').update(prefix);
      let counted = true;
      const closed = (): void => {
        if (!counted) return;
        counted = false;
        this.open--;
      };
      // A reset (the exporter closed with Kea's bytes unread) is an 'error', and 'close' comes a turn later.
      client.once('end', closed);
      client.once('error', closed);
      client.once('close', closed);
      let head = '';
      const onCommand = (c: Buffer): void => {
        head += c.toString('utf8');
        const m = /"command"\s*:\s*"([^"]*)"/.exec(head);
        if (m) {
          ex.command = m[1]!;
          this.exchanges.push(ex);
          client.off('data', onCommand);
        }
      };
      client.on('data', onCommand);
      up.on('data', (c: Buffer) => {
        ex.bytes += c.length;
        hash.update(c);
      });
      up.once('end', () => {
        ex.wrapped = hash.update(suffix).digest('hex');
      });
      client.pipe(up);
      up.pipe(client);
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
      client.on('close', () => {
        up.destroy();
        this.sockets.delete(client);
      });
      up.on('close', () => this.sockets.delete(up));
    });
  }

  /** prefix/suffix: what the proxy wraps a UNIX answer in (`[ ` … ` ]`). */
  static async start(listenPath: string, upstream: string, prefix = '[ ', suffix = ' ]'): Promise<HashingRelay> {
    rmSync(listenPath, { force: true });
    const r = new HashingRelay(listenPath, upstream, prefix, suffix);
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen(listenPath, resolve);
    });
    return r;
  }

  commands(name: string): Relayed[] {
    return this.exchanges.filter((e) => e.command === name);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
