import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ProxyConfig } from '../config/types.js';
import { Authenticator, BUSY, type AuthResult } from '../proxy/auth.js';

/** What a reload reports: answered as JSON, whole when it succeeded (App's reload adds what
 * was added, removed and kept), as its error alone (500) when it failed. */
export type ReloadAnswer = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Prometheus' lifecycle API, as far as this exporter has one: POST /-/reload. */
export interface LifecycleOptions {
  /** undefined: the API is off and answers 403, like Prometheus without --web.enable-lifecycle. */
  reload?: () => Promise<ReloadAnswer>;
  /** The proxy's users and tokens: one with the admin role may reload from any address. */
  credentials: Pick<ProxyConfig, 'users' | 'tokens'>;
}

export const LIFECYCLE_ROLE = 'admin';
export const LIFECYCLE_DISABLED = 'Lifecycle API is not enabled.\n';

/** Credential checks (one scrypt each) running at once; more are refused with 429, so that
 * guessing cannot take the CPU the polls need. */
const MAX_VERIFYING = 2;

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (a dual-stack listener reports ::ffff:127.x). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * POST /-/reload reads the config file again (nothing comes in the body). Allowed from a
 * loopback client, or with the Basic/Bearer credentials of a proxy user or token whose role is
 * admin; otherwise 401 (no or wrong credentials) or 403 (another role). The answer of a failed
 * reload is 500 with the reload's error text, which names keys and lines, never values.
 */
export function lifecycleRoutes(server: FastifyInstance, opts: LifecycleOptions): void {
  const text = (reply: FastifyReply, code: number, body: string) => reply.code(code).type('text/plain; charset=utf-8').send(body);
  const { reload } = opts;
  if (!reload) {
    server.post('/-/reload', async (_req, reply) => text(reply, 403, LIFECYCLE_DISABLED));
    return;
  }
  const auth = new Authenticator(opts.credentials.users, opts.credentials.tokens);
  let verifying = 0;
  const unauthorized = (reply: FastifyReply) => text(reply.header('www-authenticate', 'Basic realm="kea-telemetry"'), 401, 'Unauthorized\n');
  server.post(
    '/-/reload',
    {
      // Before the body is read: a client that may not reload costs no parsing.
      onRequest: async (req, reply) => {
        // The socket's address, not X-Forwarded-For: Fastify trusts no proxy headers here.
        if (isLoopback(req.socket.remoteAddress)) return;
        const header = req.headers.authorization;
        if (header === undefined) return unauthorized(reply);
        if (verifying >= MAX_VERIFYING) return text(reply, 429, 'Too Many Requests\n');
        verifying++;
        let who: AuthResult;
        try {
          who = await auth.authenticate(header);
        } catch {
          who = undefined;
        } finally {
          verifying--;
        }
        // The proxy's verification gate is full: the server's limit, not this client's fault.
        if (who === BUSY) return text(reply.header('retry-after', '1'), 503, 'Service Unavailable\n');
        if (!who) return unauthorized(reply);
        if (who.role !== LIFECYCLE_ROLE) return text(reply, 403, `Forbidden: reloading needs the ${LIFECYCLE_ROLE} role.\n`);
      },
    },
    async (_req, reply) => {
      const r = await reload();
      return r.ok ? reply.send(r) : reply.code(500).send({ ok: false, error: r.error });
    },
  );
}
