/** Records what a real Control Agent answers to malformed commands (issue 12 bug 6), for the
 * proxy's and the fake agent's tests: `node --import tsx test/support/record-agent-answers.ts
 * <port> <version>` against a kea-ctrl-agent on 127.0.0.1:<port> fronting a dhcp4 (service
 * "dhcp4" configured, nothing else). Writes test/fixtures/kea/agent-answers/<version>.json:
 * per case the request, the HTTP status and the body byte for byte. Only the agent's own pid,
 * uptime and reload vary between runs; the malformed cases never reach a daemon. */
import { writeFileSync } from 'node:fs';

export interface AgentCase {
  name: string;
  body: string;
  /** null: no Content-Type header. */
  contentType: string | null;
}

export const AGENT_CASES: AgentCase[] = [
  ['empty-object', '{}'],
  ['command-number', '{"command": 1}'],
  ['command-null', '{"command": null}'],
  ['command-list', '{"command": ["status-get"]}'],
  ['command-empty', '{"command": ""}'],
  ['service-string', '{"command": "status-get", "service": "dhcp4"}'],
  ['service-map', '{"command": "status-get", "service": {}}'],
  ['service-not-configured', '{"command": "status-get", "service": ["dhcp9"]}'],
  ['unknown-command', '{"command": "no-such-command"}'],
  ['unknown-command-service', '{"command": "no-such-command", "service": ["dhcp4"]}'],
  ['odd-name', '{"command": "Foo Bar"}'],
  ['odd-name-service', '{"command": "Foo Bar", "service": ["dhcp4"]}'],
  ['extra-key', '{"command": "status-get", "foo": 1}'],
  ['extra-keys-service', '{"command": "status-get", "service": ["dhcp4"], "zz": 1, "bar": 2}'],
  ['top-list', '[]'],
  ['top-list-command', '[{"command": "status-get"}]'],
  ['top-string', '"status-get"'],
  ['top-integer', '5'],
  ['top-real', '5.5'],
  ['top-boolean', 'true'],
  ['top-null', 'null'],
  ['empty-body', ''],
  ['garbage', 'not json'],
  ['truncated', '{ "command": "status-get"'],
  ['trailing-bytes', '{"command": "status-get"} xx'],
  ['comments', '// c\n{ "command": "status-get", # h\n /* b */ "arguments": {} }'],
].map(([name, body]) => ({ name: name!, body: body!, contentType: 'application/json' }));
AGENT_CASES.push(
  { name: 'no-content-type', body: '{"command": "status-get"}', contentType: null },
  { name: 'text-plain', body: '{"command": "status-get"}', contentType: 'text/plain' },
  { name: 'json-charset', body: '{"command": "list-commands"}', contentType: 'application/json; charset=utf-8' },
);

if (process.argv[1]?.endsWith('record-agent-answers.ts')) {
  const [port, version] = process.argv.slice(2);
  const out = [];
  for (const c of AGENT_CASES) {
    const headers: Record<string, string> = c.contentType === null ? {} : { 'content-type': c.contentType };
    // A Buffer body: fetch adds no Content-Type of its own.
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers, body: Buffer.from(c.body) });
    out.push({ ...c, status: res.status, answer: await res.text() });
  }
  writeFileSync(new URL(`../fixtures/kea/agent-answers/${version}.json`, import.meta.url), `${JSON.stringify(out, null, 1)}\n`);
}
