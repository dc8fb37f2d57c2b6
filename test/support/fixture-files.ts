import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A real capture's version: 2.2.0 under test/fixtures/kea/2.2.0, the others under captures/. */
export type FixtureVersion = '2.2.0' | '2.6.3' | '3.0.4';

/** Reads the capture <version>/<name>.json, parsed. */
export function fixture(version: FixtureVersion, name: string): unknown {
  const dir = version === '2.2.0' ? '2.2.0' : `captures/${version}`;
  const url = new URL(`../fixtures/kea/${dir}/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8'));
}

/** The arguments of a fixture answer (unwrapping a one-element HTTP list). */
export function fixtureArgs(version: FixtureVersion, name: string): unknown {
  const body = fixture(version, name);
  const answer = (Array.isArray(body) ? body[0] : body) as { arguments?: unknown };
  return answer.arguments;
}
