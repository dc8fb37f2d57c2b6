import { z } from 'zod';
import { parseDuration } from './duration.js';

/** Runs a throwing validator and turns its exception into a zod issue. */
export function check(fn: (s: string) => unknown): (s: string, ctx: z.RefinementCtx) => void {
  return (s, ctx) => {
    try {
      fn(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  };
}

export const duration = z.string().superRefine(
  check((s) => {
    if (parseDuration(s) === 0) throw new Error('must be greater than zero');
  }),
);

export const filePath = z.string().min(1, { error: 'must not be empty' });
