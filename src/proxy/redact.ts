import { isObj } from '../kea/json.js';

/** What a secret becomes in a redacted config-get answer: the string Kea itself logs instead
 * of passwords and secrets (isc::process::redactConfig). */
export const SECRET_PLACEHOLDER = '*****';

/** A key is read as words, whatever its case or separators: `dbPassword`, `DB_PASSWORD`,
 * `db-password` and `db.password` are all ["db", "password"]. Secret when a word is one of
 * these. Kea's own: `password` (lease-database, hosts-database(s), config-databases[],
 * authentication.clients[]), `basic-auth-password` (HA peers), `secret` (tsig-keys[], RADIUS
 * servers[]); the rest are what hook parameters and user-contexts use. */
const SECRET_WORDS = new Set([
  'password',
  'passwords',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'authorization',
  'apikey',
  'apikeys',
  // The pairs below glued into one lower-case word.
  'privatekey',
  'secretkey',
  'accesskey',
  'sshkey',
  'authheader',
  'authkey',
]);
/** A word holding one of these is a password whatever is glued to it (`adminpassword`);
 * `secret` and `token` are not matched inside words (`secretary`, `tokenizer`). */
const GLUED = /pass(?:word|wd|phrase)/;
/** Two adjacent words that make a secret: `api-key`, `privateKey`, `secret_key`, `ssh-key`,
 * `access-key`, `auth-header`, and Kea's DHCPv6 reservation `auth-key` (reconfigure key). */
const PAIRS: Readonly<Record<string, ReadonlySet<string>>> = {
  api: new Set(['key', 'keys']),
  private: new Set(['key', 'keys']),
  secret: new Set(['key', 'keys']),
  ssh: new Set(['key', 'keys']),
  access: new Set(['key', 'keys']),
  encryption: new Set(['key', 'keys']),
  signing: new Set(['key', 'keys']),
  auth: new Set(['key', 'header', 'headers']),
};
/** A key whose last word is one of these names a file or directory, not a secret:
 * password-file, basic-auth-password-file, secret-file, key-file, cert-file, ssh-key-path. */
const PATH_WORDS = new Set(['file', 'filename', 'path', 'dir', 'directory']);

/** The words of a key name: camelCase and acronym boundaries (`APIKey` → api, key), then any
 * run of characters other than letters and digits, all lower-cased. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.length === 0 || PATH_WORDS.has(words.at(-1)!)) return false;
  return words.some((w, i) => SECRET_WORDS.has(w) || GLUED.test(w) || PAIRS[w]?.has(words[i + 1] ?? '') === true);
}

/** Deeper than this, a subtree is replaced whole: a hostile answer nested thousands deep must
 * not overflow the stack here, and the conservative answer is to show nothing of it. */
const MAX_DEPTH = 128;

/** A deep copy of a config-get answer's arguments with secrets replaced by SECRET_PLACEHOLDER:
 * - the value (string, number, object or list) of every secret key, wherever it is, except
 *   null (it says "none set");
 * - in every string: URL userinfo, Authorization-style credentials and `password=…`-style
 *   pairs (scrubString);
 * - the top-level `hash` beside `Dhcp4` (Kea ≥ 2.4): Kea's SHA-256 of the config *with* its
 *   secrets, which beside the redacted rest would confirm guessed secrets offline.
 * Unlike Kea's own redaction, user-context maps are not skipped: they are free-form and may
 * hold anything. The input is never modified. */
export function redactConfig(answerArguments: unknown): unknown {
  const out = copy(answerArguments, 0);
  if (isObj(out) && typeof out.hash === 'string') out.hash = SECRET_PLACEHOLDER;
  return out;
}

/** config-hash-get's arguments for a redacted role: its `hash` is the same oracle. */
export function redactConfigHash(answerArguments: unknown): unknown {
  const out = copy(answerArguments, 0);
  if (isObj(out) && 'hash' in out) out.hash = SECRET_PLACEHOLDER;
  return out;
}

/** The answers a role without `unredacted` gets redacted, by command. */
export const REDACTED_COMMANDS: ReadonlyMap<string, (answerArguments: unknown) => unknown> = new Map([
  ['config-get', redactConfig],
  ['config-hash-get', redactConfigHash],
]);

function copy(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return SECRET_PLACEHOLDER;
  if (Array.isArray(value)) return value.map((v) => copy(v, depth + 1));
  // fromEntries defines own properties: a "__proto__" key stays data, not a prototype.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && v !== null ? SECRET_PLACEHOLDER : copy(v, depth + 1)]));
}

/** `Basic <b64>`, `Bearer <token>`, `Negotiate <b64>`, `NTLM <b64>` (RFC 9110 token68). */
const AUTH_TOKEN = /\b(basic|bearer|negotiate|ntlm)(\s+)[A-Za-z0-9._~+/-]+=*/gi;
/** `Digest username="…", response="…"`: everything after the scheme, to the end of the line. */
const AUTH_PARAMS = /\b(digest)(\s+)[A-Za-z0-9_-]+\s*=[^\r\n]*/gi;
/** `name=value` or `name: value` inside a string (a connection string, a query, a header line,
 * JSON held in a string), hidden when the name is a secret key by isSecretKey: one rule for
 * keys wherever they are. Names are bounded to 64 characters, so the scan stays linear. */
const PAIR_NAME = /([A-Za-z0-9_.-]{1,64})["']?\s*[=:]\s*/g;
/** The value after a secret name, matched only there (sticky): quoted (an unterminated quote to
 * the end) or up to whitespace, a quote or a list separator. */
const PAIR_VALUE = /"[^"]*"?|'[^']*'?|[^\s"',;&]+/y;

/** A string with every credential it carries replaced by SECRET_PLACEHOLDER. Pure, linear. */
export function scrubString(s: string): string {
  // Fast path: nearly every string of a Kea config holds none of the markers.
  if (!/[:=]|basic|bearer|negotiate|ntlm|digest/i.test(s)) return s;
  const out = s
    .replace(AUTH_TOKEN, (_m, scheme: string, sp: string) => `${scheme}${sp}${SECRET_PLACEHOLDER}`)
    .replace(AUTH_PARAMS, (_m, scheme: string, sp: string) => `${scheme}${sp}${SECRET_PLACEHOLDER}`);
  const paired = scrubPairs(out);
  return paired.includes('@') ? paired.split(/(\s+)/).map(scrubUserinfo).join('') : paired;
}

function scrubPairs(s: string): string {
  let out = '';
  let last = 0;
  const names = new RegExp(PAIR_NAME);
  const values = new RegExp(PAIR_VALUE);
  for (let m = names.exec(s); m !== null; m = names.exec(s)) {
    if (!isSecretKey(m[1]!)) continue;
    values.lastIndex = names.lastIndex;
    const value = values.exec(s)?.[0];
    // `Authorization: Bearer *****`: the scheme stays, its credential is hidden already.
    if (value === undefined || /^(?:basic|bearer|digest|negotiate|ntlm)$/i.test(value)) continue;
    out += `${s.slice(last, names.lastIndex)}${hidden(value)}`;
    last = names.lastIndex = names.lastIndex + value.length;
  }
  return out + s.slice(last);
}

const hidden = (value: string): string => {
  const q = value[0];
  return q === '"' || q === "'" ? `${q}${SECRET_PLACEHOLDER}${q}` : SECRET_PLACEHOLDER;
};

/** `scheme://userinfo@` in one whitespace-free word. The userinfo runs from the first `://` to
 * the last `@`, so a password holding `@` or an unencoded `/` (base64) is covered whole, and so
 * is every later URL of the word; the cost is over-redacting a URL with an `@` in its path.
 * A plain user name is kept (`kea:*****@`); a lone userinfo may itself be a token. */
function scrubUserinfo(word: string): string {
  const at = word.lastIndexOf('@');
  const sep = word.indexOf('://');
  if (at < 0 || sep < 1 || at < sep || !/[A-Za-z][A-Za-z0-9+.-]*$/.test(word.slice(Math.max(0, sep - 32), sep))) return word;
  const info = word.slice(sep + 3, at);
  const colon = info.indexOf(':');
  const user = colon > 0 ? info.slice(0, colon) : '';
  const kept = /^[^/?#@]+$/.test(user) ? `${user}:` : '';
  return `${word.slice(0, sep + 3)}${kept}${SECRET_PLACEHOLDER}${word.slice(at)}`;
}
