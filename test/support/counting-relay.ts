/** A UNIX-socket relay in front of a real Kea control socket, for load and fault tests: each
 * accepted connection gets its own upstream connection to Kea, so Kea sees exactly what the
 * client (the exporter) opens. It records the command of each connection and the most upstream
 * connections open at once: what "Kea never sees more than maxInFlight connections" means. */
import net from 'node:net';

export class CountingRelay {
  /** The command of each relayed connection, in order ("(none)" until one is seen). */
  readonly commands: string[] = [];
  /** Upstream connections open now, and the most ever open at once. */
  open = 0;
  maxOpen = 0;
  /** Connections relayed so far. */
  connections = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private peakListeners: ((open: number) => void)[] = [];

  private constructor(
    readonly path: string,
    upstream: string,
  ) {
    this.server = net.createServer((client) => this.relay(client, upstream));
  }

  static async start(listenPath: string, upstream: string): Promise<CountingRelay> {
    const r = new CountingRelay(listenPath, upstream);
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen(listenPath, () => {
        r.server.off('error', reject);
        resolve();
      });
    });
    // After start-up, a listener error (none expected on a UNIX socket) must not crash the test.
    r.server.on('error', () => {});
    return r;
  }

  /** Called with the open count whenever it exceeds the previous maximum. */
  onPeak(fn: (open: number) => void): void {
    this.peakListeners.push(fn);
  }

  count(command: string): number {
    return this.commands.filter((c) => c === command).length;
  }

  /** Commands relayed since index `from`, counted by name. */
  byCommand(from = 0): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.commands.slice(from)) out[c] = (out[c] ?? 0) + 1;
    return out;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket, upstream: string): void {
    this.connections++;
    this.open++;
    if (this.open > this.maxOpen) {
      this.maxOpen = this.open;
      for (const fn of this.peakListeners) fn(this.open);
    }
    const index = this.commands.push('(none)') - 1;
    const up = net.createConnection(upstream);
    this.sockets.add(client);
    this.sockets.add(up);
    // Counted open from accept until Kea closes its side or the client goes away, whichever is
    // first. Registered before pipe(): the count drops before the client can see Kea's EOF, so a
    // client that connects again right after it is not counted twice.
    let counted = true;
    const gone = () => {
      if (!counted) return;
      counted = false;
      this.open--;
    };
    up.once('end', gone);
    up.once('close', gone);
    const dropUp = () => {
      gone();
      up.destroy();
    };
    client.once('end', dropUp); // the exporter never half-closes: its EOF is its close
    client.once('close', dropUp);
    client.on('error', dropUp);
    up.on('error', () => client.destroy());
    up.once('close', () => {
      this.sockets.delete(up);
      client.end();
    });
    client.once('close', () => this.sockets.delete(client));

    let head = '';
    const onData = (c: Buffer) => {
      head += c.toString('utf8');
      const m = /"command"\s*:\s*"([^"]*)"/.exec(head);
      if (m || head.length > 4096) {
        this.commands[index] = m ? m[1]! : '(unparsed)';
        client.off('data', onData);
      }
    };
    client.on('data', onData);
    client.pipe(up);
    up.pipe(client);
  }
}
