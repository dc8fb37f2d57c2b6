import JSON5 from 'json5';
import { stripHashComments } from '../config/comments.js';

export interface ProxiedCommand {
  command: string;
  service?: string[];
  arguments?: Record<string, unknown>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A Kea command body as the Control Agent takes it, `//`, `/* *\/` and `#` comments allowed.
 * undefined when it is not one (the caller answers Kea's 400). Pure. */
export function parseCommand(text: string): ProxiedCommand | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // Comments (or not JSON at all): the slower parser that knows Kea's comment styles.
    try {
      v = JSON5.parse(stripHashComments(text));
    } catch {
      return undefined;
    }
  }
  if (!isObj(v) || typeof v.command !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(v.command)) return undefined;
  const cmd: ProxiedCommand = { command: v.command };
  if (v.service !== undefined) {
    if (!Array.isArray(v.service) || !v.service.every((s) => typeof s === 'string')) return undefined;
    if (v.service.length > 0) cmd.service = v.service as string[];
  }
  if (v.arguments !== undefined) {
    if (!isObj(v.arguments)) return undefined;
    cmd.arguments = v.arguments;
  }
  return cmd;
}
