/** A fake Kea UNIX control socket: one command per connection, answered once a complete
 * JSON object has arrived (as Kea does), then closed. Fault behaviours for client tests. */
import { rmSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import { join } from 'node:path';
import { setImmediate as immediate } from 'node:timers/promises';
import { JsonObjectScanner, keaStringify } from './kea-json.js';
import { keaHandler, type FakeCommand, type FakeHandler, type KeaHandler, type KeaVersion } from './kea-handlers.js';

export { keaHandler, keaTime, configHash, fixtureText, fixtureAnswer } from './kea-handlers.js';
export type { FakeCommand, FakeHandler, KeaHandler, KeaHandlerOptions, KeaVersion, KeaDaemon, HaPreset } from './kea-handlers.js';
export { raw, keaStringify, KeaRaw } from './kea-json.js';

export type Behaviour =
  | { kind: 'answer' } // normal: reply with the handler's answer
  | { kind: 'garbage' } // non-JSON bytes, then close
  | { kind: 'truncated' } // first half of a valid answer, then close
  | { kind: 'close'; immediately?: boolean } // close without writing (after the command, or at accept)
  | { kind: 'hang' } // never answer (until the server closes)
  | { kind: 'slow'; delayMs: number } // answer after a delay
  | { kind: 'held'; until: Promise<unknown> } // answer once the test lets it
  | { kind: 'oversized'; bytes: number } // valid JSON answer of ~bytes, streamed with backpressure
  | { kind: 'chunked'; chunkBytes: number }; // valid answer in many small writes

export interface FakeKeaOptions {
  path: string;
  /** Default: a Kea 2.2 kea-dhcp4 built from the fixtures. */
  handler?: FakeHandler;
  behaviour?: Behaviour;
  /** Kea answers an incomplete command after 10 s idle; tests may shorten it. */
  idleTimeoutMs?: number;
}

export const GARBAGE = Buffer.from('this is not JSON \u0000\u00ff<html>', 'latin1');

/** Bytes written for a handler's answer: strings and Buffers verbatim, the rest Kea-style. */
export function answerText(answer: unknown): string | Buffer {
  if (typeof answer === 'string' || Buffer.isBuffer(answer)) return answer;
  return keaStringify(answer);
}

export class FakeKea {
  behaviour: Behaviour;
  handler: FakeHandler;
  readonly commands: string[] = [];
  readonly path: string;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleTimeoutMs: number;
  private open = 0;
  private max = 0;
  private accepted = 0;
  private closed = false;

  private constructor(opts: FakeKeaOptions) {
    this.path = opts.path;
    this.behaviour = opts.behaviour ?? { kind: 'answer' };
    this.handler = opts.handler ?? keaHandler({ version: '2.2', daemon: 'dhcp4' });
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 10_000;
    // allowHalfOpen: a client may shut down its write side and still expect the answer.
    this.server = net.createServer({ allowHalfOpen: true }, (s) => this.onConnection(s));
  }

  static async start(opts: FakeKeaOptions): Promise<FakeKea> {
    rmSync(opts.path, { force: true }); // a stale socket file makes listen fail with EADDRINUSE
    const fake = new FakeKea(opts);
    fake.server.listen(opts.path);
    await once(fake.server, 'listening');
    return fake;
  }

  /** Highest number of simultaneously open connections seen. */
  get maxConcurrent(): number {
    return this.max;
  }

  /** Total connections accepted. */
  get connections(): number {
    return this.accepted;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.open;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await done;
    rmSync(this.path, { force: true });
  }

  /** A timer that close() cancels; returns its own cancel. */
  private later(ms: number, fn: () => void): () => void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref(); // a hanging test connection must not keep the process alive
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  private onConnection(sock: net.Socket): void {
    this.accepted++;
    this.open++;
    this.max = Math.max(this.max, this.open);
    this.sockets.add(sock);
    let counted = true;
    const release = (): void => {
      if (counted) this.open--;
      counted = false;
    };
    // Kea close()s right after writing the answer: count the connection closed there and
    // free the descriptor, instead of waiting for the client's FIN (allowHalfOpen).
    sock.once('finish', () => {
      release();
      sock.destroy();
    });
    sock.on('close', () => {
      release();
      this.sockets.delete(sock);
    });
    sock.on('error', () => {}); // clients that reset mid-answer are part of the tests
    const behaviour = this.behaviour; // fixed per connection, like a daemon's state at accept time
    if (behaviour.kind === 'close' && behaviour.immediately) {
      sock.end();
      return;
    }
    const scanner = new JsonObjectScanner();
    let done = false;
    const finish = (reply: () => unknown): void => {
      done = true;
      cancelIdle();
      sock.removeAllListeners('data');
      sock.resume(); // drain and ignore anything after the first object, as Kea does
      // A client that gives up mid-answer is normal here; a throwing handler closes the connection.
      this.respond(sock, behaviour, reply).catch(() => sock.destroy());
    };
    // Busy fleets open thousands of connections a second: drop each idle timer with its socket.
    const cancelIdle = this.later(this.idleTimeoutMs, () => {
      if (done || sock.destroyed) return;
      const text = `Connection over control channel timed out, discarded partial command of ${scanner.bytes} bytes`;
      finish(() => ({ result: 1, text }));
    });
    sock.on('data', (chunk: Buffer) => {
      if (done) return;
      const r = scanner.push(chunk);
      if (r.kind === 'more') return;
      if (r.kind === 'invalid') return finish(() => ({ result: 1, text: r.text }));
      let cmd: FakeCommand;
      try {
        cmd = JSON.parse(r.text) as FakeCommand;
      } catch (err) {
        return finish(() => ({ result: 1, text: (err as Error).message }));
      }
      if (typeof cmd.command !== 'string') {
        return finish(() => ({ result: 1, text: "missing mandatory 'command' parameter" }));
      }
      this.commands.push(cmd.command);
      finish(() => this.handler(cmd));
    });
    sock.on('end', () => {
      if (!done) sock.end(); // EOF before a complete command: Kea just closes
    });
    sock.once('close', cancelIdle);
  }

  private async respond(sock: net.Socket, b: Behaviour, reply: () => unknown): Promise<void> {
    switch (b.kind) {
      case 'hang':
        return;
      case 'close':
        sock.end();
        return;
      case 'garbage':
        sock.end(GARBAGE);
        return;
      case 'slow':
        this.later(b.delayMs, () => {
          if (sock.destroyed) return;
          try {
            sock.end(answerText(reply()));
          } catch {
            sock.destroy(); // a throwing handler: close without an answer
          }
        });
        return;
      case 'held':
        await b.until;
        if (!sock.destroyed) sock.end(answerText(reply()));
        return;
      case 'truncated': {
        const full = Buffer.from(answerText(reply()));
        sock.end(full.subarray(0, Math.floor(full.length / 2)));
        return;
      }
      case 'chunked': {
        const full = Buffer.from(answerText(reply()));
        const step = Math.max(1, b.chunkBytes);
        for (let i = 0; i < full.length && !sock.destroyed; i += step) {
          sock.write(full.subarray(i, i + step));
          await immediate(); // separate writes so the client sees many reads
        }
        sock.end();
        return;
      }
      case 'oversized':
        await streamOversized(sock, b.bytes);
        return;
      default:
        sock.end(answerText(reply()));
    }
  }
}

/** Resolves on 'drain' or 'close'; never rejects (events.once would, on a client reset). */
function drainOrClose(sock: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      sock.off('drain', done);
      sock.off('close', done);
      resolve();
    };
    sock.on('drain', done);
    sock.on('close', done);
  });
}

/** A statistic-get-all-shaped answer of about `bytes`, produced and written piece by piece. */
async function streamOversized(sock: net.Socket, bytes: number): Promise<void> {
  const head = '{ "arguments": { ';
  const tail = '"zz-end": [ [ 0, "2026-11-21 03:13:24.552890" ] ] }, "result": 0 }';
  let written = 0;
  let id = 1;
  const write = async (text: string): Promise<void> => {
    written += Buffer.byteLength(text);
    if (!sock.write(text) && !sock.destroyed) await drainOrClose(sock);
  };
  await write(head);
  const budget = bytes - head.length - tail.length;
  while (written < budget && !sock.destroyed) {
    let piece = '';
    while (piece.length < 65_536 && written + piece.length < budget) {
      piece += `"subnet[${id}].assigned-addresses": [ [ ${id % 251}, "2026-11-21 03:13:24.552890" ] ], `;
      id++;
    }
    await write(piece);
  }
  if (!sock.destroyed) sock.end(tail);
}

export interface FleetOptions {
  version?: KeaVersion;
  /** Per-daemon handler; default: even indexes are HA primaries, odd ones plain dhcp4. */
  handlerFor?: (i: number) => FakeHandler;
  behaviour?: Behaviour;
}

export interface FakeFleet {
  readonly servers: FakeKea[];
  readonly paths: string[];
  /** The handlers the fleet built itself (empty when handlerFor was given). */
  readonly handlers: KeaHandler[];
  close(): Promise<void>;
}

/** n fake daemons at `<dir>/kea-<i>.sock`; one listening descriptor each. */
export async function startFakeFleet(n: number, dir: string, opts: FleetOptions = {}): Promise<FakeFleet> {
  const servers: FakeKea[] = [];
  const handlers: KeaHandler[] = [];
  const paths = Array.from({ length: n }, (_, i) => join(dir, `kea-${i}.sock`));
  const close = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    for (let start = 0; start < n; start += 100) {
      // batches keep listen() bursts modest
      const batch = paths.slice(start, start + 100).map((path, k) => {
        const i = start + k;
        let handler = opts.handlerFor?.(i);
        if (!handler) {
          const h = keaHandler({
            version: opts.version ?? '2.2',
            daemon: 'dhcp4',
            pid: 10_000 + i,
            ...(i % 2 === 0 ? { ha: 'primary' as const } : {}),
          });
          handlers.push(h);
          handler = h;
        }
        return FakeKea.start({ path, handler, ...(opts.behaviour ? { behaviour: opts.behaviour } : {}) });
      });
      servers.push(...(await Promise.all(batch)));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { servers, paths, handlers, close };
}
