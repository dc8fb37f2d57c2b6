import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import Negotiator from 'negotiator';
import { landingPage } from './landing.js';
import { lifecycleRoutes, type ReloadAnswer } from './lifecycle.js';
import { MAX_CONNECTIONS, TLS_HANDSHAKE_TIMEOUT_MS, inactivityTimeoutMs, limitConnections, serverTimeouts } from './connections.js';
import type { ListenerSource, WebSource } from './source.js';
import { proxyDeps, proxyRoutes } from '../proxy/routes.js';
import type { ProbeRefusal } from '../targets/probe-targets.js';
import { SCRAPE_TIMEOUT_HEADER, probeWaitMs } from './probe.js';

const TEXT = 'text/plain; version=0.0.4';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0';

export const CONNECTIONS_DROPPED = 'kea_exporter_http_connections_dropped_total';
export const PROBE_REFUSED = 'kea_exporter_probe_refused_total';
export const PROBE_LATE = 'kea_exporter_probe_late_total';

const REFUSAL_STATUS: Record<ProbeRefusal, number> = { not_allowed: 403, unknown_module: 400, invalid_target: 400, full: 503, setup: 500 };

export interface ListenerOptions {
  /** Client connections at most (default MAX_CONNECTIONS; the CLI lowers it to what the
   * open-files limit leaves once Kea's connections are set aside). */
  maxConnections?: number;
  /** Node's http timeouts (tests shorten them); default serverTimeouts(). */
  timeouts?: Partial<ReturnType<typeof serverTimeouts>>;
}

export interface ServerOptions extends ListenerOptions {
  /** The lifecycle API (POST /-/reload), given when the CLI runs with --web.enable-lifecycle;
   * without it the route answers 403. See lifecycle.ts for who may call it. */
  lifecycle?: { reload: () => Promise<ReloadAnswer> };
}

/** Fastify options bounding each client connection's idle and request time (slowloris, idle
 * keep-alive, a client that stops reading). Fastify's own defaults are no request timeout and a
 * 72 s keep-alive. */
function listenerOptions(source: ListenerSource, o: ListenerOptions) {
  const t = { ...serverTimeouts(), ...o.timeouts };
  return {
    logger: false,
    requestTimeout: t.requestTimeout,
    keepAliveTimeout: t.keepAliveTimeout,
    connectionTimeout: inactivityTimeoutMs(source.config),
    // Only the constructor takes the checking interval; headersTimeout is set again below.
    http: { headersTimeout: t.headersTimeout, requestTimeout: t.requestTimeout, connectionsCheckingInterval: t.connectionsCheckingInterval },
    timeouts: t,
  } as const;
}

/** The connection cap, and headersTimeout (which Fastify does not set) on the node server. */
function bound(source: ListenerSource, server: FastifyInstance, listener: 'web' | 'proxy', o: ListenerOptions, headersTimeout: number): void {
  const dropped = source.renderer.counter(
    CONNECTIONS_DROPPED,
    'Client connections closed at the connection cap, by listener and reason: evicted (the oldest with no request in progress, to let a new one in) or refused (every connection was serving a request).',
    ['listener', 'reason'],
  );
  server.server.headersTimeout = headersTimeout;
  limitConnections(server.server, o.maxConnections ?? MAX_CONNECTIONS, (reason) => dropped.inc({ listener, reason }));
}

/** The HTTP face of the exporter. Does not listen: callers use listen() or inject(). The
 * proxy is mounted here unless it has a listener of its own (buildProxyServer). */
export function buildServer(source: WebSource, opts: ServerOptions = {}): FastifyInstance {
  const { timeouts, ...fastifyOptions } = listenerOptions(source, opts);
  const server = Fastify(fastifyOptions);
  bound(source, server, 'web', opts, timeouts.headersTimeout);
  const { proxy } = source.config;
  if (proxy.enabled && !proxy.listen) void server.register(proxyRoutes, proxyDeps(source));

  server.get('/metrics', async (req, reply) => {
    // Prometheus asks for OpenMetrics first; anything else gets the classic text format.
    const negotiator = new Negotiator(req);
    const chosen = negotiator.mediaType([TEXT, OPENMETRICS]);
    // Prometheus asks for gzip: the families are kept deflated for it (a fleet's body is ~1/10).
    const asked = negotiator.encoding(['gzip', 'identity']) === 'gzip';
    const { contentType, gzip, chunks, length, release } = await source.renderer.renderChunks(chosen === OPENMETRICS, asked);
    // The chunks are cached buffers, written corked: one writev, no copy, no stream between
    // (bench part 3 holds /metrics to 2x the same bytes written from one buffer). They are held
    // until the response is done with them: sent, or its connection gone.
    reply.hijack();
    const res = reply.raw;
    res.once('close', release);
    res.writeHead(200, {
      'content-type': contentType,
      'content-length': length,
      vary: 'Accept-Encoding',
      ...(gzip && { 'content-encoding': 'gzip' }),
    });
    res.cork();
    for (const c of chunks) res.write(c);
    res.uncork();
    res.end();
  });

  // Prometheus' multi-target convention: Prometheus drives the schedule, one target per scrape.
  const refused = source.renderer.counter(
    PROBE_REFUSED,
    'GET /probe requests for an address (with module=) that were not probed, by reason: not_allowed (403, outside probe.allow), unknown_module, invalid_target (400), full (503, probe.maxTargets all being probed), setup (500).',
    ['reason'],
  );
  const late = source.renderer.counter(
    PROBE_LATE,
    "GET /probe answers sent at the scrape's deadline (X-Prometheus-Scrape-Timeout-Seconds less 0.5 s) while the poll still ran: they carry the target's last known values.",
    [],
  );
  server.get('/probe', async (req, reply) => {
    const { target, module } = req.query as { target?: unknown; module?: unknown };
    if (typeof target !== 'string' || target === '') return reply.code(400).type('text/plain').send('missing ?target=<name>\n');
    if (module !== undefined && (typeof module !== 'string' || module === '')) return reply.code(400).type('text/plain').send('module= must name one module\n');
    const openMetrics = new Negotiator(req).mediaType([TEXT, OPENMETRICS]) === OPENMETRICS;
    const waitMs = probeWaitMs(req.headers[SCRAPE_TIMEOUT_HEADER]);
    const out = await source.probe({ target, openMetrics, ...(module !== undefined && { module }), ...(waitMs !== undefined && { waitMs }) });
    if (!out)
      return reply
        .code(400)
        .type('text/plain')
        .send(`unknown target ${JSON.stringify(target.slice(0, 100))} (not configured, or another shard's; an address needs module=)\n`);
    if (out === 'busy') return reply.code(503).header('retry-after', '1').type('text/plain').send('too many probes waiting; retry\n');
    if ('refused' in out) {
      refused.inc({ reason: out.refused });
      // The message names the rule, never the address asked for.
      const code = REFUSAL_STATUS[out.refused];
      if (code === 503) reply.header('retry-after', '1');
      return reply.code(code).type('text/plain').send(`${out.message}\n`);
    }
    if (out.late) late.inc({});
    return reply.type(out.contentType).send(out.body);
  });

  lifecycleRoutes(server, { ...(opts.lifecycle && { reload: opts.lifecycle.reload }), credentials: proxy });

  server.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(landingPage(source)));

  server.get('/-/healthy', async () => 'OK\n');

  server.get('/-/ready', async (_req, reply) => {
    if (source.ready) return 'OK\n';
    return reply.code(503).send('first poll of every target still running\n');
  });

  return server;
}

/** The proxy on its own listener (proxy.listen), with TLS and client certificates when set. */
export function buildProxyServer(source: ListenerSource, opts: ListenerOptions = {}): FastifyInstance {
  const { tls } = source.config.proxy;
  const { timeouts, ...fastifyOptions } = listenerOptions(source, opts);
  const https = tls && {
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ...(tls.clientCa && { ca: readFileSync(tls.clientCa), requestCert: true, rejectUnauthorized: true }),
    // https.createServer takes the http server's options too; a stalled handshake is closed as well.
    ...fastifyOptions.http,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
  };
  // Typed as the plain instance: routes and inject() do not care which server carries them.
  const server = Fastify({ ...fastifyOptions, ...(https && { https }) }) as unknown as FastifyInstance;
  bound(source, server, 'proxy', opts, timeouts.headersTimeout);
  void server.register(proxyRoutes, proxyDeps(source));
  return server;
}
