/** What a secret becomes in a redacted config-get answer: the string Kea itself logs instead
 * of passwords and secrets (isc::process::redactConfig). */
export const SECRET_PLACEHOLDER = '*****';

/** Key names (lower case, `_` read as `-`) whose values are secrets wherever they appear:
 * - password: lease-database, hosts-database(s), config-control.config-databases[] (Kea takes
 *   database credentials as separate parameters, never as a connection string), and the
 *   Control Agent's or an HTTP control socket's authentication.clients[];
 * - secret: tsig-keys[] of kea-dhcp-ddns, servers[] of the RADIUS hook;
 * - the rest are common names a hook's parameters or a user-context may use. */
const SECRET_KEYS = new Set(['password', 'passwd', 'secret', 'token', 'api-key', 'apikey', 'private-key']);
/** basic-auth-password of HA peers, and any other *-password / *-secret (and *-token, *-api-key,
 * for hook parameters and user contexts). A `*-file` key (e.g.
 * basic-auth-password-file, password-file, secret-file, key-file) is a path, not a secret. */
const SECRET_SUFFIXES = ['-password', '-secret', '-token', '-api-key'];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replaceAll('_', '-');
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

/** A deep copy of a config-get answer's arguments with secret values replaced by
 * SECRET_PLACEHOLDER, and the password of any `scheme://user:password@host` URL too (an HA
 * peer or a hook URL: Kea reads credentials from their own parameters, but a URL that carries
 * them anyway must not leak them). Unlike Kea's own redaction, user-context maps are not
 * skipped: they are free-form and may hold anything. The input is never modified. */
export function redactConfig(answerArguments: unknown): unknown {
  return copy(answerArguments);
}

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (typeof value === 'string') return redactUrl(value);
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines own properties: a "__proto__" key stays data, not a prototype.
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, isSecretKey(k) && v !== null ? SECRET_PLACEHOLDER : copy(v)]),
  );
}

const URL_CREDENTIALS = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#]*@/;

function redactUrl(s: string): string {
  return URL_CREDENTIALS.test(s) ? s.replace(URL_CREDENTIALS, `$1:${SECRET_PLACEHOLDER}@`) : s;
}
