/** A fake daemon that answers with REAL captures (test/fixtures/kea/captures/<version>/), byte
 * for byte: for each command the first `<prefix>.<command>.json` of the prefixes given. HTTP
 * captures (lists) are unwrapped to their one element; the fake HTTP socket wraps it again. */
import { existsSync, readFileSync } from 'node:fs';
import { CAPTURES_DIR, type CaptureVersion } from './captures.js';
import type { FakeHandler } from './kea-handlers.js';

export interface CaptureHandler extends FakeHandler {
  /** Prefixes now answering (change them to make another daemon answer at the same place). */
  prefixes: readonly string[];
}

/** The element text of a one-element list, or the map as it is: Kea's bytes, not re-serialised. */
function element(text: string): string {
  const t = text.trim();
  return t.startsWith('[') ? t.slice(1, -1).trim() : t;
}

export function captureHandler(version: CaptureVersion, prefixes: readonly string[]): CaptureHandler {
  const handler = ((cmd) => {
    for (const p of handler.prefixes) {
      const file = `${CAPTURES_DIR}${version}/${p}.${cmd.command}.json`;
      if (existsSync(file)) return element(readFileSync(file, 'utf8'));
    }
    return `{ "result": 2, "text": "'${cmd.command}' command not supported." }`;
  }) as CaptureHandler;
  handler.prefixes = prefixes;
  return handler;
}

/** Which captures make up one daemon of each version: a whole set of status-get, version-get,
 * config-hash-get, config-get and statistic-get-all taken from the same daemon (CAPTURES-2.6-3.0.md). */
export const CAPTURED = {
  '2.6.3': {
    dhcp4: ['dhcp4-ha-primary', 'dhcp4'], // dhcp4.* = server1 = the HA primary
    dhcp6: ['dhcp6'],
    d2: ['d2'],
    ca: ['ca'],
  },
  '3.0.4': {
    dhcp4: ['dhcp4-ha-lb-primary', 'dhcp4'], // dhcp4.* = lb1
    dhcp6: ['dhcp6'],
    d2: ['d2'],
    ca: ['ca'],
    'dhcp4-http': ['dhcp4-ha-lb-primary-http', 'dhcp4-http'], // dhcp4-http.* = lb1
    'dhcp6-http': ['dhcp6-http'],
    'd2-http': ['d2-http'],
  },
} as const;
