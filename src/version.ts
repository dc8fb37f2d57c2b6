import { readFileSync } from 'node:fs';

/** package.json, read once (src/ under tsx and dist/ both sit one level below it). */
const PKG = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; engines: { node: string } };

/** The package version. */
export const VERSION: string = PKG.version;

/** The oldest Node.js major the exporter supports: package.json's `engines.node` (">=24"), the one
 * place it is written. */
export const MIN_NODE_MAJOR: number = Number(/^>=\s*(\d+)/.exec(PKG.engines.node)?.[1] ?? NaN);

/** Why this runtime cannot run the exporter, in one line, or undefined when it can. */
export function unsupportedRuntime(version: string = process.versions.node, execPath: string = process.execPath): string | undefined {
  const major = Number(version.split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return undefined;
  return `kea-telemetry needs Node.js ${MIN_NODE_MAJOR} or newer; ${execPath} is ${version}`;
}
