import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads test/fixtures/kea/<version>/<name>.json, parsed. */
export function fixture(version: '2.2.0' | '2.4' | '2.6' | '3.0', name: string): unknown {
  const url = new URL(`../fixtures/kea/${version}/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8'));
}

/** The arguments of a fixture answer (unwrapping a one-element HTTP list). */
export function fixtureArgs(version: '2.2.0' | '2.4' | '2.6' | '3.0', name: string): unknown {
  const body = fixture(version, name);
  const answer = (Array.isArray(body) ? body[0] : body) as { arguments?: unknown };
  return answer.arguments;
}
