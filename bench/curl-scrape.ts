/** /metrics scraped by curl, timed by curl to the body's last byte. Node's own clients read a
 * large body slower than the exporter writes it (the same 66 MB from a bare node:http server:
 * curl 23 ms, a raw socket 25, http.get 67, undici's request 54, fetch 150; 4.4 MB: 2.5, 2.6, 6.6,
 * 6.4, 17.5 ms), so they timed themselves; curl reads as fast as the socket, as Prometheus' Go
 * client does. Keeping a body costs its time too (66 MB: to /dev/null ~40 ms, to a file in
 * /dev/shm ~100, on disk 130-390, through a pipe to Node ~135): a scrape timed for a goal
 * discards it. curl must be installed; a missing one fails the run. */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface CurlScrape {
  /** curl's time_total: connect (when new), request, answer to its last byte. */
  ms: number;
  /** performance.now() when curl reported it done, and that less `ms`. */
  start: number;
  end: number;
  status: number;
  /** New connections it made (0: the keep-alive one reused). */
  connects: number;
}

const WRITE_OUT = '%{stderr}@scrape %{http_code} %{time_total} %{num_connects}\n';

/** `n` scrapes of `url` in one curl, over one keep-alive connection, at most `perMinute` a minute
 * (curl's --rate spaces their starts). Each is reported as it ends; bodies are discarded but the
 * last one's when `lastBody` (that scrape's time then holds writing it). */
export async function curlScrapes(
  url: string,
  n: number,
  perMinute: number,
  lastBody = false,
  gzip = false,
): Promise<{ scrapes: CurlScrape[]; body?: Buffer }> {
  const file = lastBody ? await bodyFile() : '/dev/null';
  const outputs = Array.from({ length: n }, (_, i) => ['-o', i === n - 1 ? file : '/dev/null']).flat();
  const scrapes = await run([...encoding(gzip), '--rate', `${perMinute}/m`, ...outputs, ...Array<string>(n).fill(url)], n);
  return { scrapes, ...(lastBody && { body: await take(file) }) };
}

/** One scrape on a connection of its own; its body kept when `keep` (its time then holds writing
 * the body to a file). */
export async function curlScrape(url: string, keep = false, gzip = false): Promise<CurlScrape & { body?: Buffer }> {
  const file = keep ? await bodyFile() : '/dev/null';
  const [s] = await run([...encoding(gzip), '-o', file, url], 1);
  return keep ? { ...s!, body: await take(file) } : s!;
}

/** gzip: asked for as Prometheus asks (`Accept-Encoding: gzip`). curl keeps the bytes as sent:
 * its time is the exporter's, to the last byte; inflating them is the scraper's own work (66 MB
 * of a fleet's text: ~200 ms of curl's). A body kept is gunzipped by the caller (inflated()). */
function encoding(gzip: boolean): string[] {
  return gzip ? ['-H', 'Accept-Encoding: gzip'] : [];
}

/** A body kept from a gzip scrape as text: gunzip checks its CRC and length, so a fleet's body
 * is checked whole. */
export function inflated(body: Buffer): Buffer {
  return gunzipSync(body);
}

/** Bodies go to memory-backed files where there are (/dev/shm), in a directory of this process. */
let dir: string | undefined;
let files = 0;
async function bodyFile(): Promise<string> {
  if (dir === undefined) {
    dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'kea-bench-scrape-'));
    const made = dir;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return join(dir, `body-${++files}`);
}

async function take(file: string): Promise<Buffer> {
  const body = await readFile(file);
  await rm(file, { force: true });
  return body;
}

function run(args: string[], n: number): Promise<CurlScrape[]> {
  return new Promise((resolve, reject) => {
    const out: CurlScrape[] = [];
    let errors = '';
    let pending = '';
    const c = spawn('curl', ['-sS', '--max-time', '10', '-w', WRITE_OUT, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr.setEncoding('utf8');
    c.stderr.on('data', (d: string) => {
      const now = performance.now();
      pending += d;
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        const m = /^@scrape (\d{3}) ([\d.]+) (\d+)$/.exec(line);
        if (!m) {
          errors += `${line}\n`;
          continue;
        }
        const ms = Number(m[2]) * 1000;
        out.push({ ms, start: now - ms, end: now, status: Number(m[1]), connects: Number(m[3]) });
      }
    });
    c.on('error', (err) => reject(new Error(`curl: ${err.message} (the benches scrape with curl)`)));
    c.on('close', (code) => {
      if (out.length === n && out.every((s) => s.status === 200)) resolve(out);
      else
        reject(new Error(`curl exited ${code}: ${out.length} of ${n} scrapes, statuses ${[...new Set(out.map((s) => s.status))].join(',')}; ${errors.trim()}`));
    });
  });
}
