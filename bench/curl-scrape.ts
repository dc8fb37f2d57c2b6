/** /metrics scraped by curl, timed by curl to the body's last byte. Node's own clients read a
 * large body slower than the exporter writes it (the same 66 MB from a bare node:http server:
 * curl 23 ms, a raw socket 25, http.get 67, undici's request 54, fetch 150; 4.4 MB: 2.5, 2.6, 6.6,
 * 6.4, 17.5 ms), so they timed themselves; curl reads as fast as the socket, as Prometheus' Go
 * client does. curl must be installed (it is on the bench machine); a missing one fails the run. */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

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
 * last one's, kept in `lastBody` when given. */
export async function curlScrapes(url: string, n: number, perMinute: number, lastBody?: string): Promise<{ scrapes: CurlScrape[]; body?: Buffer }> {
  const outputs = Array.from({ length: n }, (_, i) => ['-o', i === n - 1 && lastBody ? lastBody : '/dev/null']).flat();
  const scrapes = await run(['--rate', `${perMinute}/m`, ...outputs, ...Array<string>(n).fill(url)], n);
  return { scrapes, ...(lastBody && { body: await readFile(lastBody) }) };
}

/** One scrape on a connection of its own; its body kept when `file` is given. */
export async function curlScrape(url: string, file?: string): Promise<CurlScrape & { body?: Buffer }> {
  const [s] = await run(['-o', file ?? '/dev/null', url], 1);
  return file && s!.status === 200 ? { ...s!, body: await readFile(file) } : s!;
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
