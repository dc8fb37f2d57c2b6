/** Golden files: the expected output, committed, compared byte for byte. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

/** Asserts `actual` equals the golden file. `UPDATE_GOLDEN=1` rewrites the file first, for a person
 * who checked the change and commits it; under CI (env CI set, not "false"/"0") that is refused, so
 * a CI run can never pass by rewriting what it compares against. */
export function assertGolden(file: string, actual: string, env: NodeJS.ProcessEnv = process.env): void {
  const name = relative(process.cwd(), file);
  if (env.UPDATE_GOLDEN) {
    if (env.CI && env.CI !== 'false' && env.CI !== '0')
      throw new Error(`UPDATE_GOLDEN is refused under CI (CI=${env.CI}): update ${name} locally and commit it`);
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs: run with UPDATE_GOLDEN=1 after checking the change`);
}
