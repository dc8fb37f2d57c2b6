import { z } from 'zod';
import { parseDuration } from './duration.js';
import { check, duration } from './schema-parts.js';
import type { OtelConfig } from './types.js';

/** The otel section (see docs/opentelemetry.md). OTEL_* variables override it at start-up. */
export const otel = z.strictObject({
  enabled: z.boolean().default(false),
  endpoint: z
    .string()
    .superRefine(
      check((s) => {
        if (!URL.canParse(s) || !/^https?:$/.test(new URL(s).protocol)) throw new Error('must be an http: or https: URL');
      }),
    )
    .optional(),
  protocol: z.enum(['http/protobuf', 'http/json', 'grpc']).default('http/protobuf'),
  headers: z.record(z.string(), z.string()).default({}),
  interval: duration.default('60s'),
  resourceAttributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export function toOtel(o: z.output<typeof otel>): OtelConfig {
  return {
    enabled: o.enabled,
    ...(o.endpoint !== undefined && { endpoint: o.endpoint }),
    protocol: o.protocol,
    headers: o.headers,
    intervalMs: parseDuration(o.interval),
    resourceAttributes: o.resourceAttributes,
  };
}
