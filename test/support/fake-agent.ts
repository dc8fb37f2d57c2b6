/** A fake Kea Control Agent (or a Kea 3 daemon's own HTTP control socket) on 127.0.0.1.
 * Answers POST / with a JSON list, one element per requested service, in order. */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { keaHandler, type FakeCommand, type FakeHandler, type KeaVersion } from './kea-handlers.js';
import { keaStringify, raw } from './kea-json.js';

export type AgentMode = 'normal' | 'forbidden' | 'error500';

/** PEM text or Buffer, or a file path (as makeTestCertificates returns). */
export interface FakeAgentTls {
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer;
  /** Ask for (and insist on) a client certificate signed by `ca`. */
  requestCert?: boolean;
}

export interface FakeAgentOptions {
  /** 'agent': forwards by `service` (Kea ≤ 3.0). 'daemon': a Kea 3 daemon's own socket,
   * which answers for itself, still wrapped in a one-element list. */
  role?: 'agent' | 'daemon';
  /** Daemons behind the agent, by service name (dhcp4, dhcp6, d2). */
  services?: Record<string, FakeHandler>;
  /** Services configured in the agent whose daemon is down (socket file missing). */
  offline?: string[];
  /** The agent's (or daemon's) own answers; default a 2.2 kea-ctrl-agent (3.0 dhcp4 for 'daemon'). */
  self?: FakeHandler;
  /** Whose texts for malformed commands; default the version of `self` (a keaHandler), else 2.2. */
  version?: KeaVersion;
  auth?: { user: string; password: string };
  mode?: AgentMode;
  delayMs?: number;
  https?: FakeAgentTls;
}

const BAD_REQUEST = '{ "result": 400, "text": "Bad Request" }'; // byte for byte as captured
const UNAUTHORIZED = '{ "result": 401, "text": "Unauthorized" }';
const FORBIDDEN = '{ "result": 403, "text": "Forbidden" }';
const INTERNAL = '{ "result": 500, "text": "Internal Server Error" }';

export class FakeAgent {
  readonly role: 'agent' | 'daemon';
  services: Record<string, FakeHandler>;
  offline: string[];
  self: FakeHandler;
  auth: { user: string; password: string } | undefined;
  mode: AgentMode;
  delayMs: number;
  readonly version: KeaVersion;
  /** Command names received (after auth), in arrival order. */
  readonly commands: string[] = [];
  private readonly server: http.Server;
  private readonly tls: boolean;
  private inFlight = 0;
  private max = 0;
  private total = 0;
  private readonly delays = new Set<NodeJS.Timeout>();

  private constructor(opts: FakeAgentOptions) {
    this.role = opts.role ?? 'agent';
    this.services = opts.services ?? {};
    this.offline = opts.offline ?? [];
    this.self = opts.self ?? keaHandler(this.role === 'agent' ? { version: '2.2', daemon: 'ca' } : { version: '3.0', daemon: 'dhcp4' });
    this.version = opts.version ?? (this.self as { version?: KeaVersion }).version ?? '2.2';
    this.auth = opts.auth;
    this.mode = opts.mode ?? 'normal';
    this.delayMs = opts.delayMs ?? 0;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      void this.onRequest(req, res);
    };
    this.tls = opts.https !== undefined;
    this.server = opts.https
      ? https.createServer(
          {
            key: pem(opts.https.key),
            cert: pem(opts.https.cert),
            ca: opts.https.ca && pem(opts.https.ca),
            requestCert: opts.https.requestCert ?? false,
            rejectUnauthorized: opts.https.requestCert ?? false,
          },
          onRequest,
        )
      : http.createServer(onRequest);
  }

  static async start(opts: FakeAgentOptions = {}): Promise<FakeAgent> {
    const agent = new FakeAgent(opts);
    agent.server.listen(0, '127.0.0.1');
    await once(agent.server, 'listening');
    return agent;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/`;
  }

  /** HTTP requests received. */
  get requests(): number {
    return this.total;
  }

  /** Highest number of requests being handled at the same time. */
  get maxConcurrent(): number {
    return this.max;
  }

  async close(): Promise<void> {
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections(); // keep-alive sockets would hold close() open
    // A delayed answer's timer would keep the process (and node:test's file) alive for delayMs.
    for (const t of this.delays) clearTimeout(t);
    this.delays.clear();
    await done;
  }

  /** Waits delayMs; a close() ends the wait for good (the answer is never sent). */
  private delay(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.delays.delete(t);
        resolve();
      }, this.delayMs);
      this.delays.add(t);
    });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.total++;
    this.inFlight++;
    this.max = Math.max(this.max, this.inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      if (this.mode === 'error500') return send(res, 500, INTERNAL);
      if (this.auth && !authorized(req.headers.authorization, this.auth)) {
        res.setHeader('WWW-Authenticate', 'Basic realm="kea-control-agent"');
        return send(res, 401, UNAUTHORIZED);
      }
      // Real 2.2-3.0 agents and Kea 3 sockets: exactly this Content-Type, and JSON, or HTTP 400.
      if (req.headers['content-type'] !== 'application/json') return send(res, 400, BAD_REQUEST);
      let cmd: FakeCommand;
      try {
        cmd = (body === '' ? null : JSON.parse(body)) as FakeCommand;
      } catch {
        return send(res, 400, BAD_REQUEST);
      }
      const invalid = malformed(cmd, body, this.version, this.role === 'agent');
      if (invalid !== undefined) return send(res, 200, keaStringify([{ result: 1, text: invalid }]));
      if (this.mode === 'forbidden') return send(res, 403, FORBIDDEN);
      this.commands.push(cmd.command);
      if (this.delayMs > 0) await this.delay();
      send(res, 200, keaStringify(this.answer(cmd)));
    } catch {
      if (!res.headersSent) send(res, 500, INTERNAL);
    } finally {
      this.inFlight--;
    }
  }

  private answer(cmd: FakeCommand): unknown[] {
    const services = Array.isArray(cmd.service) ? cmd.service : [];
    if (this.role === 'daemon' || services.length === 0) return [asElement(this.self(cmd))];
    return services.map((svc) => {
      const h = this.services[svc];
      if (h) return asElement(h({ command: cmd.command, ...(cmd.arguments !== undefined ? { arguments: cmd.arguments } : {}) }));
      if (this.offline.includes(svc)) {
        return { result: 1, text: `unable to forward command to the ${svc} service: No such file or directory. The server is likely to be offline` };
      }
      return { result: 1, text: `forwarding socket is not configured for the server type ${svc}` };
    });
  }
}

/** Why Kea refuses a JSON body as a command (its text, per version), or undefined. The texts
 * are the real agents' (test/fixtures/kea/agent-answers/), checked by fake-agent.test.ts. */
function malformed(cmd: unknown, body: string, version: KeaVersion, agent: boolean): string | undefined {
  const old = version === '2.2';
  const fail = (modern: string, v22: string): string => `Error during command processing: ${old ? v22 : `invalid command: ${modern}`}`;
  if (body === '') return 'Command processing failed: NULL command parameter';
  if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) {
    const type = cmd === null ? 'null' : Array.isArray(cmd) ? 'list' : typeof cmd === 'number' ? (/[.eE]/.test(body) ? 'real' : 'integer') : typeof cmd;
    return fail(`expected toplevel entry to be a map, got ${type} instead`, 'Invalid command Element specified, expected map');
  }
  const c = cmd as Record<string, unknown>;
  if (!('command' in c)) return fail("does not contain mandatory 'command'", "Invalid answer specified, does not contain mandatory 'command'");
  if (typeof c.command !== 'string') return fail("expected 'command' to be a string, got map instead", "'command' element in command message is not a string");
  const extra = Object.keys(c)
    .filter((k) => !['command', 'arguments', 'service', 'remote-address'].includes(k))
    .sort()[0];
  if (extra !== undefined) return fail(`unsupported parameter '${extra}'`, `Received command contains unsupported parameter '${extra}'`);
  if (agent && c.service !== undefined && !Array.isArray(c.service)) return 'service value must be a list';
  return undefined;
}

/** Handlers may answer with raw text (as for the UNIX fake); embed it verbatim. */
function asElement(answer: unknown): unknown {
  if (typeof answer === 'string') return raw(answer);
  if (Buffer.isBuffer(answer)) return raw(answer.toString('utf8'));
  return answer;
}

function pem(v: string | Buffer): string | Buffer {
  return Buffer.isBuffer(v) || v.includes('-----BEGIN') ? v : readFileSync(v);
}

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function authorized(header: string | undefined, auth: { user: string; password: string }): boolean {
  if (!header?.startsWith('Basic ')) return false;
  return Buffer.from(header.slice(6), 'base64').toString('utf8') === `${auth.user}:${auth.password}`;
}
