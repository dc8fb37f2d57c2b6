/** Golden files: the expected output, committed, compared byte for byte. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

/** The running Node.js version (kea_exporter_build_info's nodejs_version) written as `<node>`:
 * a golden file holds what the code makes, not which runtime ran it. */
export const withoutRuntime = (text: string): string => text.replaceAll(`nodejs_version="${process.versions.node}"`, 'nodejs_version="<node>"');

/** Asserts `actual` (withoutRuntime) equals the golden file. `UPDATE_GOLDEN=1` rewrites the file first, for a person
 * who checked the change and commits it; under CI (env CI set, not "false"/"0") that is refused, so
 * a CI run can never pass by rewriting what it compares against. */
export function assertGolden(file: string, actual: string, env: NodeJS.ProcessEnv = process.env): void {
  const name = relative(process.cwd(), file);
  actual = withoutRuntime(actual);
  if (env.UPDATE_GOLDEN) {
    if (env.CI && env.CI !== 'false' && env.CI !== '0')
      throw new Error(`UPDATE_GOLDEN is refused under CI (CI=${env.CI}): update ${name} locally and commit it`);
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs: run with UPDATE_GOLDEN=1 after checking the change`);
}
