/** A UNIX-socket relay in front of a Kea socket, for tests that must show how many connections
 * the exporter opens to Kea: each accepted connection gets its own upstream connection, so Kea
 * sees exactly what the exporter opens. Counts the commands and the upstream connections open at
 * once (connect until Kea closes its side, which Kea does right after answering). The same relay
 * as test/integration/proxy-lab.test.ts has inline. */
import net from 'node:net';

export class CountingRelay {
  readonly commands: string[] = [];
  open = 0;
  maxOpen = 0;
  private readonly server: net.Server;

  private constructor(readonly path: string, upstream: string) {
    this.server = net.createServer((client) => {
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      const up = net.createConnection(upstream);
      let counted = true;
      // Registered before pipe(): the count drops before the exporter can see the end.
      const closed = () => {
        if (!counted) return;
        counted = false;
        this.open--;
      };
      up.once('end', closed);
      up.once('close', closed);
      let head = '';
      const onData = (c: Buffer) => {
        head += c.toString('utf8');
        const m = /"command"\s*:\s*"([^"]*)"/.exec(head);
        if (m) {
          this.commands.push(m[1]!);
          client.off('data', onData);
        }
      };
      client.on('data', onData);
      client.pipe(up);
      up.pipe(client);
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
    });
  }

  static async start(listenPath: string, upstream: string): Promise<CountingRelay> {
    const r = new CountingRelay(listenPath, upstream);
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen(listenPath, resolve);
    });
    return r;
  }

  count(command: string): number {
    return this.commands.filter((c) => c === command).length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
