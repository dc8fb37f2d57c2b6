// The Dockerfile, checked without a Docker engine: its instructions, the build context that
// .dockerignore leaves, a build of that context with tsc as the build stage runs it, and the
// ENTRYPOINT and HEALTHCHECK commands run against that build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { DEFAULTS } from '../../src/config/types.js';
import { isIgnored, mayHoldKeptFiles, parseDockerfile, parseDockerignore, stages, type Instruction } from './dockerfile.js';
import { ROOT } from './sync.js';
import { shebang } from '../support/shebang.js';

const DOCKERFILE = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const STAGES = stages(DOCKERFILE);
const FINAL = STAGES[STAGES.length - 1]!;
const IGNORE = parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, any>;
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Record<string, any>;
const BUILD_TSCONFIG = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
const DEFAULT_PORT = Number(DEFAULTS.listen.split(':').pop());
/** dist/cli.js, as tsconfig.build.json compiles src/cli.ts. */
const CLI_JS = posix.join(BUILD_TSCONFIG.compilerOptions.outDir, posix.relative(BUILD_TSCONFIG.compilerOptions.rootDir, 'src/cli.ts').replace(/\.ts$/, '.js'));

const last = (stage: { instructions: Instruction[] }, cmd: string): Instruction | undefined =>
  stage.instructions.filter((i) => i.cmd === cmd).pop();
const workdir = (stage: { instructions: Instruction[] }): string => last(stage, 'WORKDIR')?.words[0] ?? '/';

/** Files of the repository that reach the build context, relative and `/`-separated. */
function contextFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (mayHoldKeptFiles(rel, IGNORE)) walk(rel);
      } else if (!isIgnored(rel, IGNORE)) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

test("base images: Node's Debian slim image, of the Node major package.json's engines.node names as its minimum", () => {
  assert.ok(STAGES.length >= 2, 'multi-stage');
  const engineMajor = Number(/^>=\s*(\d+)/.exec(PACKAGE.engines.node)?.[1]);
  assert.ok(engineMajor > 0, `engines.node ${PACKAGE.engines.node}: >=<major> expected`);
  for (const s of STAGES) {
    const m = /^node:(\d+)-(trixie|bookworm)-slim(@sha256:[0-9a-f]{64})?$/.exec(s.image);
    assert.ok(m, `${s.image}: node:<major>-<debian>-slim expected`);
    assert.equal(Number(m[1]), engineMajor, `${s.image}: the image's Node major must be engines.node's minimum (${PACKAGE.engines.node})`);
  }
  // The major is written once in the Dockerfile: an ARG both FROM lines use.
  assert.ok(DOCKERFILE.filter((i) => i.cmd === 'FROM').every((i) => i.rest.includes('${NODE_MAJOR}')), 'FROM node:${NODE_MAJOR}-...');
  assert.throws(() => stages(parseDockerfile('FROM node:${NOPE}-slim\n')), /NOPE, which no ARG/);
  assert.equal(stages(parseDockerfile('ARG V=7\nFROM node:$V-x AS a\n'))[0]?.image, 'node:7-x');
});

test('build stage: npm ci and npm run build; runtime stage: production dependencies only', () => {
  const [build] = STAGES;
  const runs = (s: typeof FINAL) => s.instructions.filter((i) => i.cmd === 'RUN').map((i) => i.rest).join('\n');
  assert.match(runs(build!), /npm ci\b/);
  assert.match(runs(build!), /npm run build\b/);
  assert.match(runs(FINAL), /npm ci\b[^\n]*--omit=dev/);
  for (const s of STAGES) assert.doesNotMatch(runs(s), /npm install\b/, 'npm ci keeps the lock file authoritative');
  assert.ok(PACKAGE.scripts.build.includes('tsconfig.build.json'));
});

test('package-lock.json matches package.json (npm ci refuses otherwise)', () => {
  const root = LOCK.packages[''];
  for (const kind of ['dependencies', 'devDependencies']) assert.deepEqual(root[kind] ?? {}, PACKAGE[kind] ?? {}, kind);
});

test('every COPY source exists and is in the build context', () => {
  const kept = new Set(contextFiles());
  const copies = DOCKERFILE.filter((i) => (i.cmd === 'COPY' || i.cmd === 'ADD') && i.flags.from === undefined);
  assert.ok(copies.length > 0);
  for (const c of copies) {
    const sources = c.json ? c.json.slice(0, -1) : c.words.slice(0, -1);
    for (const src of sources) {
      const rel = posix.normalize(src).replace(/\/$/, '');
      assert.ok(existsSync(join(ROOT, rel)), `line ${c.line}: ${src} does not exist`);
      if (statSync(join(ROOT, rel)).isDirectory()) {
        assert.ok([...kept].some((f) => f.startsWith(`${rel}/`)), `line ${c.line}: nothing of ${src} is in the context`);
      } else {
        assert.ok(kept.has(rel), `line ${c.line}: ${src} is excluded by .dockerignore`);
      }
    }
  }
  // What the build must see, and what must stay out.
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/cli.ts']) assert.ok(kept.has(f), f);
  for (const f of [...kept]) assert.doesNotMatch(f, /^(node_modules|dist|\.git|helm|test|bench|dashboards)\//, `${f} should not be sent`);
});

test('COPY --from takes the build stage output to where ENTRYPOINT looks', () => {
  const names = STAGES.map((s) => s.name);
  const fromCopies = FINAL.instructions.filter((i) => i.cmd === 'COPY' && i.flags.from !== undefined);
  assert.ok(fromCopies.length > 0);
  for (const c of fromCopies) assert.ok(names.includes(c.flags.from), `COPY --from=${c.flags.from}: no such stage`);
  const dist = fromCopies.find((c) => posix.basename(c.words[0] ?? '') === posix.dirname(CLI_JS));
  assert.ok(dist, `a COPY --from of ${posix.dirname(CLI_JS)}`);
  const build = STAGES.find((s) => s.name === dist.flags.from)!;
  assert.equal(dist.words[0], posix.join(workdir(build), posix.dirname(CLI_JS)));
  assert.equal(posix.resolve(workdir(FINAL), dist.words[1]!), posix.join(workdir(FINAL), posix.dirname(CLI_JS)));
});

test('runtime: not root, EXPOSE of the default port, HEALTHCHECK on /-/healthy, ENTRYPOINT and CMD', () => {
  const user = last(FINAL, 'USER');
  assert.ok(user, 'USER in the final stage');
  const name = user.words[0]!.split(':')[0]!;
  assert.ok(name !== 'root' && name !== '0', `USER ${user.words[0]}`);
  assert.match(name, /^\d+$/, 'numeric, so Kubernetes runAsNonRoot can check it');

  assert.ok(FINAL.instructions.some((i) => i.cmd === 'EXPOSE' && i.words.includes(String(DEFAULT_PORT))), `EXPOSE ${DEFAULT_PORT}`);

  const hc = last(FINAL, 'HEALTHCHECK');
  assert.ok(hc?.json, 'HEALTHCHECK CMD in exec form');
  assert.equal(hc.json[0], 'node');
  assert.ok(hc.json.join(' ').includes(`:${DEFAULT_PORT}/-/healthy`));

  const entry = last(FINAL, 'ENTRYPOINT')?.json;
  assert.ok(entry, 'ENTRYPOINT in exec form');
  assert.equal(entry[0], 'node');
  assert.equal(entry[entry.length - 1], CLI_JS);
  // The same V8 flags and malloc settings as the bin's shebang (docs/performance.md).
  const bin = shebang(join(ROOT, 'src/cli.ts'));
  assert.deepEqual(entry.slice(1, -1), bin.flags);
  assert.ok(Object.keys(bin.env).length > 0);
  const env = Object.fromEntries(FINAL.instructions.filter((i) => i.cmd === 'ENV').flatMap((i) => i.words.map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])));
  for (const [name, value] of Object.entries(bin.env)) assert.equal(env[name], value, `ENV ${name}`);
  assert.deepEqual(last(FINAL, 'CMD')?.json, ['--config', '/etc/kea-telemetry/config.yaml']);
});

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

test('the build context builds; ENTRYPOINT runs the result; HEALTHCHECK passes and fails as it should', async () => {
  const ctx = mkdtempSync(join(tmpdir(), 'kea-telemetry-docker-'));
  const children: ReturnType<typeof spawn>[] = [];
  try {
    for (const f of contextFiles()) {
      mkdirSync(join(ctx, posix.dirname(f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(ctx, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(ctx, 'node_modules'), 'dir');
    // The build stage's `npm run build` (tsc, then chmod) on exactly the context.
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ctx, encoding: 'utf8' });
    assert.equal(build.status, 0, `npm run build in the context: ${build.stdout}${build.stderr}`);
    assert.ok(existsSync(join(ctx, CLI_JS)), `${CLI_JS} built`);

    const entry = last(FINAL, 'ENTRYPOINT')!.json!;
    const run = (args: string[]) => spawnSync(entry[0]!, [...entry.slice(1, -1), join(ctx, CLI_JS), ...args], { cwd: ctx, encoding: 'utf8' });
    const version = run(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), PACKAGE.version);

    const port = await freePort();
    const config = join(ctx, 'config.yaml');
    writeFileSync(config, 'targets:\n  - { name: agent, url: "http://127.0.0.1:1/", services: [] }\n');
    const exporter = spawn(entry[0]!, [...entry.slice(1, -1), join(ctx, CLI_JS), '--config', config, '--listen', `127.0.0.1:${port}`], { cwd: ctx, stdio: 'ignore' });
    children.push(exporter);
    const hc = last(FINAL, 'HEALTHCHECK')!.json!;
    const healthcheck = () => spawnSync(hc[0]!, hc.slice(1).map((a) => a.replace(`:${DEFAULT_PORT}/`, `:${port}/`)), { encoding: 'utf8' }).status;
    const deadline = Date.now() + 15_000;
    while (healthcheck() !== 0) {
      assert.ok(Date.now() < deadline && exporter.exitCode === null, 'HEALTHCHECK never passed against the running exporter');
      await new Promise((r) => setTimeout(r, 200));
    }
    exporter.kill('SIGTERM');
    await new Promise((r) => exporter.once('exit', r));
    assert.equal(healthcheck(), 1, 'HEALTHCHECK fails with nothing listening');
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(ctx, { recursive: true, force: true });
  }
});

test('.dockerignore parsing follows Docker (last match wins, ** spans directories)', () => {
  const p = parseDockerignore('*\n!src/\nsrc/**/*.test.ts\n!src/keep.test.ts\n');
  assert.equal(isIgnored('node_modules/x/index.js', p), true);
  assert.equal(isIgnored('src/cli.ts', p), false);
  assert.equal(isIgnored('src/a/b/c.test.ts', p), true);
  assert.equal(isIgnored('src/cli.test.ts', p), true);
  assert.equal(isIgnored('src/keep.test.ts', p), false);
});
