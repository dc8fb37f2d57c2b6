import path from 'node:path';
import { z } from 'zod';
import { READ_COMMANDS } from '../kea/commands.js';
import { parseDuration } from './duration.js';
import { parseListen } from './listen.js';
import { isPasswordHash, looksLikePasswordHash } from './password-hash.js';
import { matchesPattern } from './pattern.js';
import { check, duration, filePath } from './schema-parts.js';
import { DEFAULTS, type Config } from './types.js';

/** The proxy section of the file format (see docs/proxy.md). */
const name = z.string().regex(/^[A-Za-z0-9_.@-]+$/, { error: 'must match [A-Za-z0-9_.@-]+' });
const patterns = z.array(z.string().min(1)).min(1, { error: 'at least one entry (use "*" for all)' });
/** Role commands: Kea command names, or globs, which grant only the read commands of the
 * catalog (src/kea/commands.ts); a glob that grants none is a mistake worth stopping on. */
const commandPatterns = patterns.superRefine((list, ctx) => {
  list.forEach((p, i) => {
    if (!/^(\*|[a-z0-9][a-z0-9-]{0,63}\*?)$/.test(p)) {
      ctx.addIssue({ code: 'custom', path: [i], message: "must be a Kea command name (a-z, 0-9, '-'), or one ending in '*' for a prefix" });
    } else if (p.endsWith('*') && !READ_COMMANDS.some((c) => matchesPattern(p, c))) {
      ctx.addIssue({ code: 'custom', path: [i], message: 'this glob matches no read-only command: globs grant reads only; name each other command exactly' });
    }
  });
});

/** A Control Agent played by the proxy: one name for a host's daemons, each a configured target
 * (its names are checked against `targets` by the whole file's schema). */
const agent = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, { error: 'must match [A-Za-z0-9_.:-]+' }),
    services: z.strictObject({ dhcp4: z.string().optional(), dhcp6: z.string().optional(), d2: z.string().optional() }),
  })
  .superRefine((a, ctx) => {
    if (Object.keys(a.services).length === 0) ctx.addIssue({ code: 'custom', path: ['services'], message: 'at least one of dhcp4, dhcp6, d2' });
  });

export const proxy = z
  .strictObject({
    enabled: z.boolean().default(false),
    listen: z.string().superRefine(check(parseListen)).optional(),
    tls: z.strictObject({ cert: filePath, key: filePath, clientCa: filePath.optional() }).optional(),
    maxBodyBytes: z.int().min(1024, { error: 'must be at least 1024' }).default(DEFAULTS.proxyMaxBodyBytes),
    maxQueued: z.int().min(0, { error: 'must be 0 or more' }).default(DEFAULTS.proxyMaxQueued),
    timeout: duration.default(DEFAULTS.proxyTimeout),
    maxAnswerBytesInFlight: z
      .int()
      .min(1024 * 1024, { error: 'must be at least 1048576' })
      .default(DEFAULTS.proxyMaxAnswerBytesInFlight),
    rateLimit: z.strictObject({ max: z.int().min(1, { error: 'must be at least 1' }).default(600), window: duration.default('1m') }).prefault({}),
    users: z.array(z.strictObject({ name, password: z.string().min(1), role: z.string().default('read-only') })).default([]),
    tokens: z
      .array(z.strictObject({ name, token: z.string().min(16, { error: 'tokens need at least 16 characters' }), role: z.string().default('read-only') }))
      .default([]),
    roles: z.record(name, z.strictObject({ commands: commandPatterns, targets: patterns.default(['*']), unredacted: z.boolean().default(false) })).default({}),
    agents: z.array(agent).default([]),
  })
  .superRefine((p, ctx) => {
    for (const builtIn of ['read-only', 'admin']) {
      if (builtIn in p.roles) ctx.addIssue({ code: 'custom', path: ['roles', builtIn], message: 'is built in: choose another name' });
    }
    p.users.forEach((u, i) => {
      if (looksLikePasswordHash(u.password) && !isPasswordHash(u.password)) {
        ctx.addIssue({ code: 'custom', path: ['users', i, 'password'], message: 'malformed scrypt hash (make one with kea-telemetry hash-password)' });
      }
    });
    const known = new Set(['read-only', 'admin', ...Object.keys(p.roles)]);
    for (const kind of ['users', 'tokens'] as const) {
      p[kind].forEach((c, i) => {
        if (!known.has(c.role)) ctx.addIssue({ code: 'custom', path: [kind, i, 'role'], message: 'unknown role (neither built in nor under proxy.roles)' });
      });
    }
    if (p.enabled && p.users.length + p.tokens.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['users'], message: 'the proxy needs at least one user or token' });
    }
    const agents = new Map<string, number>();
    p.agents.forEach((a, i) => {
      const first = agents.get(a.name);
      if (first === undefined) agents.set(a.name, i);
      else ctx.addIssue({ code: 'custom', path: ['agents', i, 'name'], message: `duplicate agent name (same as agents[${first}].name)` });
    });
    if (p.tls && !p.listen) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'only with proxy.listen (its own listener)' });
  });

export function toProxy(p: z.output<typeof proxy>, baseDir: string): Config['proxy'] {
  const resolve = (f: string): string => path.resolve(baseDir, f);
  return {
    enabled: p.enabled,
    ...(p.listen !== undefined && { listen: parseListen(p.listen) }),
    ...(p.tls && { tls: { cert: resolve(p.tls.cert), key: resolve(p.tls.key), ...(p.tls.clientCa && { clientCa: resolve(p.tls.clientCa) }) } }),
    maxBodyBytes: p.maxBodyBytes,
    maxQueued: p.maxQueued,
    timeoutMs: parseDuration(p.timeout),
    maxAnswerBytesInFlight: p.maxAnswerBytesInFlight,
    rateLimit: { max: p.rateLimit.max, windowMs: parseDuration(p.rateLimit.window) },
    users: p.users,
    tokens: p.tokens,
    roles: p.roles,
    agents: p.agents,
  };
}
