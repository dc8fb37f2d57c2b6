import { KeaError } from '../errors.js';
import { RESULT, type KeaAnswer } from './types.js';
import { isObj } from './json.js';

const FORWARD_FAILURE = /^(unable to forward command|forwarding socket is not configured)/;

/** What a body is, for a message: never its content (it may be a configuration, or nested past
 * what JSON.stringify can walk). */
function shape(v: unknown): string {
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isObj(v)) return 'result' in v ? `result is ${typeof v.result === 'number' ? 'not an integer' : typeof v.result}` : 'a map without result';
  return v === null ? 'null' : typeof v;
}

/** Checks that a parsed body is a Kea answer map: `{ result: <int>, text?, arguments? }`. */
export function asAnswer(body: unknown, what: string): KeaAnswer {
  if (!isObj(body) || typeof body.result !== 'number' || !Number.isInteger(body.result)) {
    throw new KeaError('bad_answer', `${what}: not a Kea answer (${shape(body)})`);
  }
  const answer: KeaAnswer = { result: body.result };
  if (typeof body.text === 'string') answer.text = body.text;
  if ('arguments' in body) answer.arguments = body.arguments;
  return answer;
}

/** HTTP answers (Control Agent, Kea 3 sockets) are lists with one element per service, in
 * order; a bare map instead means the request itself was refused. */
export function unwrapList(body: unknown, count: number, what: string): KeaAnswer[] {
  if (!Array.isArray(body)) {
    const bare = asAnswer(body, what);
    if (bare.result === 400) throw new KeaError('bad_request', `${what}: ${bare.text ?? 'Bad Request'}`);
    if (bare.result === 401) throw new KeaError('unauthorized', `${what}: ${bare.text ?? 'Unauthorized'}`);
    if (bare.result === 403) throw new KeaError('forbidden', `${what}: ${bare.text ?? 'Forbidden'}`);
    throw new KeaError('bad_answer', `${what}: expected a list, got a map with result ${bare.result}`);
  }
  if (body.length !== count) {
    throw new KeaError('bad_answer', `${what}: expected ${count} answer(s), got ${body.length}`);
  }
  return body.map((el) => asAnswer(el, what));
}

/** This daemon's answer in a parsed body: a UNIX socket answers with the map itself, an HTTP
 * endpoint (agent, Kea 3 socket) with a list of one. */
export function answerOfBody(body: unknown, list: boolean, what: string): KeaAnswer {
  return list ? unwrapList(body, 1, what)[0]! : asAnswer(body, what);
}

/** Bytes of a refusal's body read (HTTP status other than 200): Kea's are bare maps of ~40
 * bytes; anything longer is no Kea refusal and is not held. */
export const REFUSAL_BODY_BYTES = 1024;

/** What an HTTP status other than 200 means, told by its (capped) body: every Kea HTTP
 * endpoint (2.2-3.0 agents, Kea 3 daemons' sockets) answers a body it cannot parse, or one
 * without `Content-Type: application/json`, with HTTP 400 and `{ "result": 400, "text":
 * "Bad Request" }`; 401 and 403 are credentials and RBAC whatever the body. Messages name the
 * status only, never the body (it is not ours to log). Pure. */
export function httpRefusal(status: number, body: string | undefined, what: string): KeaError {
  if (status === 401) return new KeaError('unauthorized', `${what}: HTTP 401 Unauthorized`);
  if (status === 403) return new KeaError('forbidden', `${what}: HTTP 403 Forbidden`);
  if (status === 400 && body !== undefined && isKeaBadRequest(body)) {
    return new KeaError('bad_request', `${what}: HTTP 400, Kea refused the request as malformed`);
  }
  return new KeaError('http_status', `${what}: HTTP ${status}`);
}

function isKeaBadRequest(body: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return false;
  }
  return isObj(v) && v.result === 400;
}

/** The agent answers "unable to forward" when the daemon behind it is down: that daemon's
 * failure, not the agent's. */
export function isForwardFailure(a: KeaAnswer): boolean {
  return a.result === RESULT.error && FORWARD_FAILURE.test(a.text ?? '');
}

/** Returns the arguments of a successful answer, or throws a KeaError naming the result. */
export function expectSuccess(a: KeaAnswer, what: string): unknown {
  if (a.result === RESULT.success) return a.arguments;
  if (isForwardFailure(a)) throw new KeaError('forward', `${what}: ${a.text}`);
  if (a.result === RESULT.unsupported) throw new KeaError('unsupported', `${what}: ${a.text ?? 'unsupported'}`);
  throw new KeaError('kea_error', `${what}: result ${a.result}${a.text ? `: ${a.text}` : ''}`);
}
