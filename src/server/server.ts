import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import Negotiator from 'negotiator';
import type { App, ReloadResult } from '../app.js';
import { landingPage } from './landing.js';
import { PROXY_REQUESTS, proxyRoutes, type ProxyDeps } from '../proxy/routes.js';

const TEXT = 'text/plain; version=0.0.4';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0';

export interface ServerOptions {
  /** POST /-/reload: reloads the config file (the CLI passes it; without it the route answers 404). */
  reload?: () => Promise<ReloadResult>;
}

/** The HTTP face of the exporter. Does not listen: callers use listen() or inject(). The
 * proxy is mounted here unless it has a listener of its own (buildProxyServer). */
export function buildServer(app: App, opts: ServerOptions = {}): FastifyInstance {
  const server = Fastify({ logger: false });
  const { proxy } = app.config;
  if (proxy.enabled && !proxy.listen) void server.register(proxyRoutes, proxyDeps(app));

  server.get('/metrics', async (req, reply) => {
    // Prometheus asks for OpenMetrics first; anything else gets the classic text format.
    const chosen = new Negotiator(req).mediaType([TEXT, OPENMETRICS]);
    const { contentType, chunks, length } = await app.renderer.renderChunks(chosen === OPENMETRICS);
    // The chunks are cached buffers: streaming them as they are copies nothing.
    return reply.type(contentType).header('content-length', length).send(Readable.from(chunks));
  });

  // Prometheus' multi-target convention: Prometheus drives the schedule, one target per scrape.
  server.get('/probe', async (req, reply) => {
    const name = (req.query as { target?: unknown }).target;
    if (typeof name !== 'string' || name === '') return reply.code(400).type('text/plain').send('missing ?target=<name>\n');
    const chosen = new Negotiator(req).mediaType([TEXT, OPENMETRICS]);
    const out = await app.probe(name, chosen === OPENMETRICS);
    if (!out) return reply.code(400).type('text/plain').send(`unknown target ${JSON.stringify(name.slice(0, 100))} (not configured, or another shard's)\n`);
    if (out === 'busy') return reply.code(503).header('retry-after', '1').type('text/plain').send('too many probes waiting; retry\n');
    return reply.type(out.contentType).send(out.body);
  });

  const { reload } = opts;
  if (reload) {
    // Like Prometheus' own lifecycle endpoint: the file is read again, nothing comes in the body.
    server.post('/-/reload', async (_req, reply) => {
      const r = await reload();
      return r.ok ? reply.send(r) : reply.code(500).send(r);
    });
  }

  server.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(landingPage(app)));

  server.get('/-/healthy', async () => 'OK\n');

  server.get('/-/ready', async (_req, reply) => {
    if (app.ready) return 'OK\n';
    return reply.code(503).send('first poll of every target still running\n');
  });

  return server;
}

/** The proxy on its own listener (proxy.listen), with TLS and client certificates when set. */
export function buildProxyServer(app: App): FastifyInstance {
  const { tls } = app.config.proxy;
  const https = tls && {
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ...(tls.clientCa && { ca: readFileSync(tls.clientCa), requestCert: true, rejectUnauthorized: true }),
  };
  // Typed as the plain instance: routes and inject() do not care which server carries them.
  const server = Fastify({ logger: false, ...(https && { https }) }) as unknown as FastifyInstance;
  void server.register(proxyRoutes, proxyDeps(app));
  return server;
}

const counters = new WeakMap<App, ProxyDeps['requests']>();

function proxyDeps(app: App): ProxyDeps {
  // One counter per app, however many servers are built for it (tests build several).
  let requests = counters.get(app);
  if (!requests) {
    requests = app.renderer.counter(PROXY_REQUESTS, 'Proxied command requests, by target, command and HTTP status code.', ['target', 'command', 'code']);
    counters.set(app, requests);
  }
  return { app, config: app.config.proxy, log: app.opts.log, requests };
}
