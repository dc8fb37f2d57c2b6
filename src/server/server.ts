import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import Negotiator from 'negotiator';
import type { App } from '../app.js';
import { landingPage } from './landing.js';

const TEXT = 'text/plain; version=0.0.4';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0';

/** The HTTP face of the exporter. Does not listen: callers use listen() or inject(). */
export function buildServer(app: App): FastifyInstance {
  const server = Fastify({ logger: false });

  server.get('/metrics', async (req, reply) => {
    // Prometheus asks for OpenMetrics first; anything else gets the classic text format.
    const chosen = new Negotiator(req).mediaType([TEXT, OPENMETRICS]);
    const { contentType, chunks, length } = await app.renderer.renderChunks(chosen === OPENMETRICS);
    // The chunks are cached buffers: streaming them as they are copies nothing.
    return reply.type(contentType).header('content-length', length).send(Readable.from(chunks));
  });

  server.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(landingPage(app)));

  server.get('/-/healthy', async () => 'OK\n');

  server.get('/-/ready', async (_req, reply) => {
    if (app.ready) return 'OK\n';
    return reply.code(503).send('first poll of every target still running\n');
  });

  return server;
}
