import { z } from 'zod';
import { parseDuration } from './duration.js';
import { allowPatternProblem } from './probe-address.js';
import { duration } from './schema-parts.js';
import { DEFAULTS, type ProbeConfig } from './types.js';

/** GET /probe of addresses not in `targets` (docs/deployment.md#service-discovery). Nothing is
 * allowed unless listed: the exporter is no open relay to any URL or socket. */
export const probe = z.strictObject({
  allow: z
    .array(z.string())
    .superRefine((list, ctx) => {
      list.forEach((p, i) => {
        const problem = allowPatternProblem(p);
        if (problem) ctx.addIssue({ code: 'custom', path: [i], message: problem });
      });
    })
    .default([]),
  maxTargets: z.int().min(1, { error: 'must be at least 1' }).default(DEFAULTS.probeMaxTargets),
  idleAfter: duration.default(DEFAULTS.probeIdleAfter),
});

export function toProbe(p: z.output<typeof probe>): ProbeConfig {
  return { allow: p.allow, maxTargets: p.maxTargets, idleAfterMs: parseDuration(p.idleAfter) };
}
