/** Splits "HOST:PORT" / "[IPV6]:PORT" (also used by the CLI's --listen). Port 0 picks a free port.
 * Messages say what is wrong, never quote `s`. */
export function parseListen(s: string): { host: string; port: number } {
  const fail = (why: string): never => {
    throw new Error(`invalid listen address: ${why} (expected HOST:PORT, or [IPV6]:PORT)`);
  };
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) fail('missing "]"');
    host = s.slice(1, close);
    if (s[close + 1] !== ':') fail('missing ":PORT" after "]"');
    portText = s.slice(close + 2);
    if (!host.includes(':')) fail('brackets are only for IPv6 addresses');
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) fail('missing ":PORT"');
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    if (host.includes(':')) fail('IPv6 addresses must be written in brackets, e.g. [::]:9547');
  }
  if (host === '') fail('missing host (use 0.0.0.0 or [::] for all interfaces)');
  if (/\s/.test(host)) fail('host contains whitespace');
  if (!/^\d{1,5}$/.test(portText)) fail('port must be a number');
  const port = Number(portText);
  if (port > 65535) fail('port must be at most 65535');
  return { host, port };
}
