import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CAPTURE_VERSIONS = ['2.2.0', '2.6.3', '3.0.4'] as const;
export type CaptureVersion = (typeof CAPTURE_VERSIONS)[number];

export interface Capture {
  version: CaptureVersion;
  /** File name, e.g. "dhcp4-ha-primary.config-get.json". */
  file: string;
  text: string;
  /** The answer's arguments (a Control Agent or HTTP-socket list unwrapped). */
  args: unknown;
}

export const CAPTURES_DIR = fileURLToPath(new URL('../fixtures/kea/captures/', import.meta.url));

/** Every capture of test/fixtures/kea/captures whose file name holds `command` (e.g. "config-get"). */
export function captures(command: string): Capture[] {
  return CAPTURE_VERSIONS.flatMap((version) =>
    readdirSync(`${CAPTURES_DIR}${version}`)
      .filter((f) => f.endsWith(`.${command}.json`))
      .sort()
      .map((file) => {
        const text = readFileSync(`${CAPTURES_DIR}${version}/${file}`, 'utf8');
        const body = JSON.parse(text) as unknown;
        const answer = (Array.isArray(body) ? body[0] : body) as { arguments?: unknown };
        return { version, file, text, args: answer.arguments };
      }),
  );
}
