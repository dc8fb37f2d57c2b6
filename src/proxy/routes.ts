import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ProxyConfig } from '../config/types.js';
import { KeaError } from '../errors.js';
import type { Log } from '../log.js';
import { Authenticator, BUSY, type Principal } from './auth.js';
import { parseBody } from './body.js';
import { MAX_SERVICES, bare, forward, keaElement, notSupported } from './forward.js';
import { proxyStreaming, type ProxyStreaming } from './budget.js';
import { LoginThrottle } from './throttle.js';
import { HostAgent, agentSelf, findTarget, proxyTargets, selfAnswer } from './agent.js';
import { commandLabel } from './commands.js';
import { BUILT_IN_ROLES, allows, type Role } from './roles.js';
import { matchesPattern } from '../config/pattern.js';
import type { Count, ProxySource } from './source.js';
import { ATTR, SpanStatusCode, startServerSpan, traceIds, withSpan, type Span } from '../telemetry/tracing.js';

export const PROXY_REQUESTS = 'kea_exporter_proxy_requests_total';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    audit?: { target?: string; services?: string[]; command?: string; results?: number[]; shared?: boolean };
    /** One server span per proxied request, continuing the caller's traceparent. */
    span?: Span;
  }
}

export interface ProxyDeps {
  /** Its targets are read at each request: a reload replaces them. */
  source: Pick<ProxySource, 'targets' | 'config' | 'version' | 'configLoadedAtMs'>;
  config: ProxyConfig;
  log: Log;
  requests: Count<'target' | 'command' | 'code'>;
  streaming: ProxyStreaming;
  /** For tests (e.g. one with a counting verify); built from config.users/tokens otherwise. */
  authenticator?: Authenticator;
}

const made = new WeakMap<ProxySource, Pick<ProxyDeps, 'requests' | 'streaming'>>();

/** What the routes need of `source`; its metrics and answer budget are made once per source,
 * however many servers are built for it (tests build several). */
export function proxyDeps(source: ProxySource): ProxyDeps {
  let m = made.get(source);
  if (!m) {
    m = {
      requests: source.renderer.counter(PROXY_REQUESTS, 'Proxied command requests, by target, command and HTTP status code.', ['target', 'command', 'code']),
      streaming: proxyStreaming(source.renderer, source.config.proxy.maxAnswerBytesInFlight),
    };
    made.set(source, m);
  }
  return { source, config: source.config.proxy, log: source.log, ...m };
}

/** POST /targets/<name>/ as a Control Agent answers it, and GET /targets, behind
 * authentication, per-role authorization, a per-user rate limit and an audit line each.
 * Registered as an encapsulated plugin: its body parsing and errors stay its own. */
export async function proxyRoutes(server: FastifyInstance, deps: ProxyDeps): Promise<void> {
  const { config, source, streaming } = deps;
  const auth = deps.authenticator ?? new Authenticator(config.users, config.tokens);
  const roles: Record<string, Role> = { ...BUILT_IN_ROLES, ...config.roles };
  const send = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('application/json').send(body);

  // Any content type and Kea-style comments (the agent wants application/json and no
  // comments: lenient for kea-shell and hand-written files); parsed by parseBody.
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'string', bodyLimit: config.maxBodyBytes }, (_req, body, done) => done(null, body));
  server.setErrorHandler((err: { statusCode?: number; code?: string }, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, 413, bare(413, 'Payload Too Large'));
    if (err.statusCode === 429) return send(reply, 429, bare(429, 'Too Many Requests'));
    deps.log.error({ err }, 'proxy request failed');
    return send(reply, 500, bare(500, 'Internal Server Error'));
  });

  // Declared up front, so every request object has one shape (properties added by the hooks
  // would fork it, and Fastify's code that reads requests would slow down with each shape).
  server.decorateRequest('principal', undefined);
  server.decorateRequest('audit', undefined);
  server.decorateRequest('span', undefined);

  const logins = new LoginThrottle(config.rateLimit.max, config.rateLimit.windowMs);
  // Callback hooks, not async ones: the common request (credentials remembered) goes on at once,
  // without a promise and a turn of the microtask queue per hook.
  server.addHook('onRequest', (req, reply, done) => {
    const route = req.routeOptions.url ?? req.url;
    req.span = startServerSpan(`${req.method} ${route}`, req.headers, { 'http.request.method': req.method, 'http.route': route });
    const name = (req.params as { name?: string }).name;
    req.audit = name === undefined ? {} : { target: name };
    const header = req.headers.authorization;
    // Good credentials seen within the cache's lifetime: no throttle ticket, scrypt or wait.
    const known = auth.remembered(header);
    if (known) {
      req.principal = known;
      return done();
    }
    // Fastify stops the hooks once a reply is sent; done() then goes nowhere.
    authenticate(req, reply, header).then(() => done(), done);
  });
  const authenticate = async (req: FastifyRequest, reply: FastifyReply, header: string | undefined): Promise<unknown> => {
    // An attempt counts when it starts, before its scrypt, so concurrent wrong passwords are
    // refused past `max` rather than all checked. Credentials that passed or are being checked
    // cost nothing and pass, so one bad client does not lock out its neighbours.
    const free = auth.shared(header);
    const ticket = free ? undefined : logins.begin(req.ip);
    if (!free && ticket === undefined) {
      reply.header('retry-after', String(logins.retryAfterS()));
      return send(reply, 429, bare(429, 'Too Many Requests'));
    }
    const result = await auth.authenticate(header);
    if (result === BUSY) {
      // Every verification slot taken: the server's limit, not this client's fault (hence 503).
      if (ticket !== undefined) logins.release(req.ip, ticket);
      reply.header('retry-after', '1');
      return send(reply, 503, bare(503, 'Service Unavailable'));
    }
    if (!result) {
      reply.header('www-authenticate', 'Basic realm="kea-telemetry"');
      return send(reply, 401, bare(401, 'Unauthorized'));
    }
    if (ticket !== undefined) logins.release(req.ip, ticket);
    req.principal = result;
    return undefined;
  };
  await server.register(rateLimit, {
    hook: 'preHandler',
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    keyGenerator: (req) => req.principal?.name ?? req.ip,
    // No x-ratelimit-* headers on answers within the limit (a Control Agent sends none; three
    // more headers on every answer were measurable); a 429 still says when to retry.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
  });
  server.addHook('onResponse', (req, reply, done) => {
    audit(deps, req, reply);
    endSpan(req, reply);
    done();
  });

  server.get('/targets', async (req) =>
    proxyTargets(source)
      .filter((t) => roles[req.principal!.role]!.targets.some((p) => matchesPattern(p, t.name)))
      .map((t) => ({
        name: t.name,
        daemons: t.snapshots().map((s) => ({ daemon: s.daemon, up: s.up, ...(s.error && { error: s.error.code }) })),
      })),
  );

  const handle = async (req: FastifyRequest<{ Params: { name: string }; Body: string }>, reply: FastifyReply) => {
    const target = findTarget(source, req.params.name);
    if (!target) return send(reply, 404, bare(404, 'Not Found'));
    const parsed = parseBody(typeof req.body === 'string' ? req.body : '', MAX_SERVICES);
    if (parsed.kind === 'refused') return send(reply, 400, bare(400, 'Bad Request'));
    // JSON but no command: the agent's own answer, nothing sent to Kea.
    if (parsed.kind === 'invalid') {
      req.audit = { target: target.name, results: [parsed.result] };
      return send(reply, 200, `[ ${keaElement(parsed.result, parsed.text)} ]`);
    }
    const cmd = parsed.cmd;
    // A name outside Kea's vocabulary is not logged as given (it may be anything).
    req.audit = { target: target.name, command: parsed.named ? cmd.command : undefined, services: cmd.service ?? [] };
    const role = roles[req.principal!.role]!;
    if (!allows(role, target.name, cmd.command)) return send(reply, 403, bare(403, 'Forbidden'));
    if (target instanceof HostAgent) {
      // A played agent grants nothing its daemons' targets do not: the role must allow each one reached.
      const members = (cmd.service ?? []).flatMap((s) => target.member(s) ?? []);
      if (!members.every((m) => allows(role, m.name, cmd.command))) return send(reply, 403, bare(403, 'Forbidden'));
      if (cmd.service === undefined && parsed.named) {
        const own = selfAnswer(cmd.command, agentSelf(source));
        req.audit.results = [own.result];
        return send(reply, 200, `[ ${own.element} ]`);
      }
    }
    if (!parsed.named) {
      const out = notSupported(target, cmd);
      req.audit.results = out.results;
      return send(reply, out.status, out.body);
    }
    const gone = new AbortController();
    // 'close' ends every response: after 'finish', or alone when the client went away first (then
    // the exchange is cancelled). Either way the answer's budget is given back.
    const answer: { closed: boolean; release?: () => void } = { closed: false };
    reply.raw.once('close', () => {
      answer.closed = true;
      if (!reply.raw.writableFinished) gone.abort(new KeaError('closed', 'client went away'));
      answer.release?.();
    });
    const onAbort = (reason: string): void => {
      streaming.aborted.inc({ reason });
      deps.log.warn({ target: target.name, command: cmd.command, reason }, 'proxied answer cut off after its status was sent');
    };
    const ctx = { timeoutMs: config.timeoutMs, unredacted: role.unredacted, streaming, cancel: gone, onAbort };
    const out = await withSpan(req.span!, () => forward(target, cmd, ctx));
    answer.release = out.release;
    if (answer.closed) out.release(); // gone while Kea answered: nobody will read it
    req.audit.results = out.results;
    req.audit.shared = out.shared;
    if ('stream' in out) {
      // A response cut off never finishes, and Fastify's onResponse only runs on finish.
      reply.raw.once('close', () => {
        if (reply.raw.writableFinished) return;
        audit(deps, req, reply);
        endSpan(req, reply);
      });
      return reply.code(200).type('application/json').send(out.stream);
    }
    if (out.retryAfterS !== undefined) reply.header('retry-after', String(out.retryAfterS));
    return send(reply, out.status, out.body);
  };
  server.post('/targets/:name', handle);
  server.post('/targets/:name/', handle);
}

/** One structured line per request, and the request counter. */
function audit(deps: ProxyDeps, req: FastifyRequest, reply: FastifyReply): void {
  const a = req.audit ?? {};
  // Only catalog names become label values (others count as `other`): clients cannot mint series.
  const command = reply.statusCode === 401 ? 'none' : commandLabel(a.command);
  const target = a.target !== undefined && findTarget(deps.source, a.target) !== undefined ? a.target : 'none';
  deps.requests.inc({ target, command, code: String(reply.statusCode) });
  deps.log.info(
    {
      audit: {
        user: req.principal?.name ?? null,
        method: req.principal?.method ?? null,
        client: req.ip,
        target: a.target ?? null,
        services: a.services ?? [],
        command: a.command ?? null,
        status: reply.statusCode,
        results: a.results ?? [],
        shared: a.shared ?? false,
        durationMs: Math.round(reply.elapsedTime),
      },
      ...traceIds(req.span),
    },
    'proxy request',
  );
}

function endSpan(req: FastifyRequest, reply: FastifyReply): void {
  const span = req.span;
  if (!span) return;
  if (!span.isRecording()) return span.end();
  const a = req.audit ?? {};
  span.setAttributes({
    'http.response.status_code': reply.statusCode,
    ...(req.principal && { 'enduser.id': req.principal.name }),
    ...(a.target !== undefined && { [ATTR.target]: a.target }),
    ...(a.command !== undefined && { [ATTR.command]: a.command }),
  });
  // Server spans are errors on 5xx only; a 4xx is the client's.
  if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${reply.statusCode}` });
  span.end();
}
