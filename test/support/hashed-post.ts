/** A proxy client for tests of large answers: POSTs a command and hashes the body as it comes,
 * never holding it unless asked (keep), so the test process measures the exporter, not itself. */
import { createHash } from 'node:crypto';
import http from 'node:http';

export interface Got {
  status: number;
  bytes: number;
  sha: string;
  /** The body, when asked to keep it. */
  text?: string;
  retryAfter?: string;
  /** The response was cut off (aborted) instead of ending. */
  aborted: boolean;
}

export interface PostOptions {
  /** The Authorization header. */
  auth: string;
  keep?: boolean;
  onResponse?: (res: http.IncomingMessage) => void;
}

export function hashedPost(port: number, target: string, body: string, opts: PostOptions): Promise<Got> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    const chunks: Buffer[] = [];
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: `/targets/${target}/`, agent: false, headers: { authorization: opts.auth } },
      (res) => {
        const done = (aborted: boolean) =>
          resolve({
            status: res.statusCode!,
            bytes,
            sha: h.digest('hex'),
            aborted,
            ...(opts.keep && { text: Buffer.concat(chunks).toString('utf8') }),
            ...(res.headers['retry-after'] !== undefined && { retryAfter: String(res.headers['retry-after']) }),
          });
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          h.update(c);
          if (opts.keep) chunks.push(c);
        });
        res.once('end', () => done(false));
        res.once('error', () => done(true));
        opts.onResponse?.(res);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
