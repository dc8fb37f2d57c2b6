import path from 'node:path';
import { z } from 'zod';
import { DAEMONS } from '../kea/types.js';
import { parseDuration } from './duration.js';
import { parseListen } from './listen.js';
import { proxy, toProxy } from './proxy-schema.js';
import { otel, toOtel } from './otel-schema.js';
import { probe, toProbe } from './probe-schema.js';
import { check, duration, filePath } from './schema-parts.js';
import { HASH_KEY_MIN_LENGTH } from '../kea/published-hash.js';
import { DEFAULTS, type Config, type HttpOptions, type ModuleConfig, type TargetConfig } from './types.js';

const SERVICES = ['dhcp4', 'dhcp6', 'd2'] as const;
const TARGET_NAME_RE = /^[A-Za-z0-9_.:-]+$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MODULE_NAME_RE = /^[A-Za-z0-9_.-]+$/;

const httpUrl = z.string().superRefine(
  check((s) => {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new Error('invalid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must be an http: or https: URL');
    if (url.username !== '' || url.password !== '') throw new Error('put credentials in auth, not in the URL');
  }),
);

const labels = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'label value must be a string' }).transform(String))
  .superRefine((rec, ctx) => {
    for (const name of Object.keys(rec)) {
      const bad = !LABEL_NAME_RE.test(name)
        ? 'invalid label name (must match [a-zA-Z_][a-zA-Z0-9_]*)'
        : name.startsWith('__')
          ? 'label names starting with "__" are reserved by Prometheus'
          : undefined; // the names the exporter sets itself: reserved-labels.ts, by the loader
      if (bad) ctx.addIssue({ code: 'custom', path: [name], message: bad });
    }
  });

const services = z.array(z.enum(SERVICES)).superRefine((list, ctx) => {
  list.forEach((s, i) => {
    const first = list.indexOf(s);
    if (first !== i) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate service (same as services[${first}])` });
  });
});

const auth = z.strictObject({ username: z.string(), password: z.string() });
const tls = z.strictObject({
  ca: filePath.optional(),
  cert: filePath.optional(),
  key: filePath.optional(),
  insecureSkipVerify: z.boolean().default(false),
});

const target = z
  .strictObject({
    name: z.string().regex(TARGET_NAME_RE, { error: 'target name must match [A-Za-z0-9_.:-]+' }),
    socket: filePath.optional(),
    url: httpUrl.optional(),
    daemon: z.enum(DAEMONS).optional(),
    services: services.optional(),
    labels: labels.optional(),
    auth: auth.optional(),
    tls: tls.optional(),
  })
  .superRefine((t, ctx) => {
    const fail = (key: string | undefined, message: string): void => ctx.addIssue({ code: 'custom', path: key === undefined ? [] : [key], message });
    if (t.socket === undefined && t.url === undefined) fail(undefined, 'needs exactly one of socket or url');
    if (t.socket !== undefined && t.url !== undefined) fail('url', 'socket and url are mutually exclusive');
    if (t.services !== undefined && (t.url === undefined || t.daemon !== undefined)) {
      fail('services', 'only allowed on a Control Agent target (url without daemon)');
    }
    if (t.url === undefined) {
      if (t.auth !== undefined) fail('auth', 'only allowed with url');
      if (t.tls !== undefined) fail('tls', 'only allowed with url');
    } else if (t.tls !== undefined && URL.canParse(t.url) && new URL(t.url).protocol !== 'https:') {
      fail('tls', 'only allowed with an https: URL');
    }
    if (t.tls !== undefined && (t.tls.cert === undefined) !== (t.tls.key === undefined)) {
      fail('tls', 'cert and key must be given together');
    }
  });

const poll = z
  .strictObject({
    interval: duration.default(DEFAULTS.interval),
    timeout: duration.default(DEFAULTS.timeout),
    maxInFlight: z.int().min(1, { error: 'must be between 1 and 64' }).max(64, { error: 'must be between 1 and 64' }).default(DEFAULTS.maxInFlight),
    maxAnswerBytes: z.int().min(1024, { error: 'must be at least 1024' }).default(DEFAULTS.maxAnswerBytes),
    background: z.boolean().default(true),
  })
  .superRefine((p, ctx) => {
    // Parent refinements still run after a child's custom issue, so the durations may be invalid here.
    const ms = (d: string): number => {
      try {
        return parseDuration(d);
      } catch {
        return NaN; // already reported by the field itself
      }
    };
    if (ms(p.timeout) >= ms(p.interval)) {
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'must be less than poll.interval' });
    }
  });

const subnetIds = z.array(z.int().min(1, { error: 'subnet ids are positive integers' }));

const statistics = z.strictObject({
  enabled: z.boolean().default(true),
  interval: duration.default(DEFAULTS.statisticsInterval),
  perSubnet: z.boolean().default(true),
  perPool: z.boolean().default(true),
  subnets: z.strictObject({ allow: subnetIds.optional(), deny: subnetIds.optional() }).optional(),
  maxSeries: z.int().min(1, { error: 'must be at least 1' }).default(DEFAULTS.statisticsMaxSeries),
  naming: z.enum(['default', 'kea-exporter']).default('default'),
});

/** A /probe module: a target entry's settings without its address (docs/deployment.md#service-discovery). */
const probeModule = z
  .strictObject({
    daemon: z.enum(DAEMONS).optional(),
    labels: labels.optional(),
    auth: auth.optional(),
    tls: tls.optional(),
    statistics: z
      .strictObject({
        enabled: z.boolean().optional(),
        perSubnet: z.boolean().optional(),
        perPool: z.boolean().optional(),
        subnets: z.strictObject({ allow: subnetIds.optional(), deny: subnetIds.optional() }).optional(),
        maxSeries: z.int().min(1, { error: 'must be at least 1' }).optional(),
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    if (m.tls !== undefined && (m.tls.cert === undefined) !== (m.tls.key === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'cert and key must be given together' });
    }
  });

/** The file format, with every default. Its output still needs toConfig() (kinds, ms, absolute paths). */
export const configFileSchema = z
  .strictObject({
    listen: z.string().superRefine(check(parseListen)).default(DEFAULTS.listen),
    poll: poll.prefault({}),
    statistics: statistics.prefault({}),
    proxy: proxy.prefault({}),
    otel: otel.prefault({}),
    shard: z
      .strictObject({
        index: z.int().min(0, { error: 'must be 0 or more' }).optional(),
        count: z.int().min(1, { error: 'must be at least 1' }).default(1),
      })
      .superRefine((sh, ctx) => {
        if (sh.index !== undefined && sh.index >= sh.count) ctx.addIssue({ code: 'custom', path: ['index'], message: 'must be less than shard.count' });
      })
      .prefault({}),
    hashKey: z
      .string()
      .min(HASH_KEY_MIN_LENGTH, { error: `must be at least ${HASH_KEY_MIN_LENGTH} characters` })
      .optional(),
    probe: probe.prefault({}),
    modules: z
      .record(z.string(), probeModule)
      .superRefine((rec, ctx) => {
        for (const name of Object.keys(rec)) {
          if (!MODULE_NAME_RE.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'module name must match [A-Za-z0-9_.-]+' });
        }
      })
      .default({}),
    targets: z.array(target),
  })
  .superRefine((c, ctx) => {
    // Service discovery may bring every target; without it an empty list watches nothing.
    if (c.targets.length === 0 && c.probe.allow.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['targets'], message: 'at least one target is required (or probe.allow, for targets found by service discovery)' });
    }
    const seen = new Map<string, number>();
    c.targets.forEach((t, i) => {
      const first = seen.get(t.name);
      if (first === undefined) seen.set(t.name, i);
      else ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `duplicate target name (same as targets[${first}].name)` });
    });
    c.proxy.agents.forEach((a, i) =>
      checkAgent(a, c.targets, (path, message) => ctx.addIssue({ code: 'custom', path: ['proxy', 'agents', i, ...path], message })),
    );
  });

/** A proxy agent's name is its own, and each service names a daemon's own socket target (UNIX,
 * or a Kea 3 HTTP(S) socket with `daemon`) of that daemon kind. */
function checkAgent(
  a: z.output<typeof proxy>['agents'][number],
  targets: readonly z.output<typeof target>[],
  fail: (path: string[], message: string) => void,
): void {
  if (targets.some((t) => t.name === a.name)) fail(['name'], 'is a target name already: an agent needs a name of its own');
  for (const [service, name] of Object.entries(a.services)) {
    const t = targets.find((x) => x.name === name);
    if (!t) fail(['services', service], 'names no target of targets');
    else if (t.url !== undefined && t.daemon === undefined)
      fail(['services', service], "names a Control Agent target: give a daemon's own socket (socket, or url with daemon)");
    else if (t.daemon !== undefined && t.daemon !== service) fail(['services', service], `names a target whose daemon is ${t.daemon}`);
  }
}

export type ConfigFile = z.output<typeof configFileSchema>;
type TargetFile = ConfigFile['targets'][number];

/** Turns validated file contents into the Config the rest of the program uses. */
export function toConfig(file: ConfigFile, baseDir: string): Config {
  return {
    listen: parseListen(file.listen),
    poll: {
      intervalMs: parseDuration(file.poll.interval),
      timeoutMs: parseDuration(file.poll.timeout),
      maxInFlight: file.poll.maxInFlight,
      maxAnswerBytes: file.poll.maxAnswerBytes,
      background: file.poll.background,
    },
    statistics: {
      enabled: file.statistics.enabled,
      intervalMs: parseDuration(file.statistics.interval),
      perSubnet: file.statistics.perSubnet,
      perPool: file.statistics.perPool,
      ...(file.statistics.subnets && {
        subnets: {
          ...(file.statistics.subnets.allow && { allow: file.statistics.subnets.allow }),
          ...(file.statistics.subnets.deny && { deny: file.statistics.subnets.deny }),
        },
      }),
      maxSeries: file.statistics.maxSeries,
      naming: file.statistics.naming,
    },
    proxy: toProxy(file.proxy, baseDir),
    otel: toOtel(file.otel),
    shard: { index: file.shard.index ?? 0, count: file.shard.count },
    ...(file.hashKey !== undefined && { hashKey: file.hashKey }),
    targets: file.targets.map((t) => toTarget(t, baseDir)),
    probe: toProbe(file.probe),
    modules: Object.fromEntries(Object.entries(file.modules).map(([name, m]) => [name, toModule(m, baseDir)])),
  };
}

function toModule(m: ConfigFile['modules'][string], baseDir: string): ModuleConfig {
  const { statistics = {} } = m;
  return {
    ...(m.daemon && { daemon: m.daemon }),
    labels: m.labels ?? {},
    ...httpOptions(m, baseDir),
    statistics: Object.fromEntries(Object.entries(statistics).filter(([, v]) => v !== undefined)),
  };
}

/** auth and tls of a target or module, files resolved against the config file's directory. */
function httpOptions(t: Pick<TargetFile, 'auth' | 'tls'>, baseDir: string): Omit<HttpOptions, 'url'> {
  const resolve = (p: string): string => path.resolve(baseDir, p);
  return {
    ...(t.auth && { auth: { username: t.auth.username, password: t.auth.password } }),
    ...(t.tls && {
      tls: {
        ...(t.tls.ca !== undefined && { ca: resolve(t.tls.ca) }),
        ...(t.tls.cert !== undefined && { cert: resolve(t.tls.cert) }),
        ...(t.tls.key !== undefined && { key: resolve(t.tls.key) }),
        insecureSkipVerify: t.tls.insecureSkipVerify,
      },
    }),
  };
}

function toTarget(t: TargetFile, baseDir: string): TargetConfig {
  const base = { name: t.name, labels: t.labels ?? {} };
  const resolve = (p: string): string => path.resolve(baseDir, p);
  if (t.socket !== undefined) {
    return { kind: 'socket', ...base, socket: resolve(t.socket), ...(t.daemon && { daemon: t.daemon }) };
  }
  const http = {
    url: t.url ?? '', // both undefined is rejected by the schema
    ...httpOptions(t, baseDir),
  };
  if (t.daemon !== undefined) return { kind: 'http', ...base, ...http, daemon: t.daemon };
  return { kind: 'agent', ...base, ...http, ...(t.services && { services: t.services }) };
}
