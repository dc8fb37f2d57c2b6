/** /probe addresses have one spelling, and probe.allow patterns cannot be stretched past a path
 * segment or a host name label: nothing outside the patterns is ever contacted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowPatternProblem, allowed, parseProbeAddress, type ProbeAddress } from './probe-address.js';

const parse = (s: string): ProbeAddress => {
  const a = parseProbeAddress(s);
  assert.ok(!('invalid' in a), `${s}: ${'invalid' in a ? a.invalid : ''}`);
  return a;
};
const invalid = (s: string): string => {
  const a = parseProbeAddress(s);
  assert.ok('invalid' in a, `${s} accepted`);
  return a.invalid;
};

test('an address is normalised: one spelling per daemon', () => {
  assert.deepEqual(parse('HTTP://Kea1.Example:8000'), { kind: 'url', url: 'http://kea1.example:8000/' });
  assert.deepEqual(parse('https://kea1.example:443/'), { kind: 'url', url: 'https://kea1.example/' });
  assert.deepEqual(parse('/run/kea/kea4-ctrl-socket'), { kind: 'socket', socket: '/run/kea/kea4-ctrl-socket' });
});

test('refused: relative or unnormalised paths, other schemes, credentials, queries, overlong input', () => {
  for (const s of ['/run/kea/../../etc/shadow', '/run/kea/./x', '/run//kea/x', '/run/kea/', 'run/kea/x', '/run/\0x']) invalid(s);
  assert.match(invalid(`/${'a'.repeat(120)}`), /at most 107 bytes/);
  assert.match(invalid('file:///etc/passwd'), /http: or https:/);
  assert.match(invalid('unix:/run/kea/x'), /http: or https:/);
  assert.match(invalid('http://u:p@kea1.example/'), /credentials/);
  assert.match(invalid('http://kea1.example/?a=1'), /query/);
  assert.match(invalid('http://kea1.example/#x'), /query or fragment/);
  assert.match(invalid(`http://kea1.example/${'a'.repeat(1100)}`), /longer than 1024/);
  assert.match(invalid('kea1'), /neither/);
});

test('* is part of one path segment, or of one label of a host name or port', () => {
  const ok = (patterns: string[], s: string) => allowed(patterns, parse(s));
  const sockets = ['/run/kea/*'];
  assert.ok(ok(sockets, '/run/kea/kea4-ctrl-socket'));
  assert.ok(ok(sockets, '/run/kea/kea4.sock'));
  assert.ok(!ok(sockets, '/run/kea/sub/kea4.sock'), 'no deeper directory');
  assert.ok(!ok(sockets, '/run/kea2/x'));
  const urls = ['https://kea-*.example.net:8000/', 'http://10.1.*.*:*/'];
  assert.ok(ok(urls, 'https://kea-a1.example.net:8000/'));
  assert.ok(ok(urls, 'HTTPS://KEA-A1.example.net:8000'), 'matched normalised');
  assert.ok(!ok(urls, 'https://kea-a1.evil.org/.example.net:8000/'));
  assert.ok(!ok(urls, 'https://kea-a.evil.org.example.net:8000/'), 'one label only');
  assert.ok(!ok(urls, 'https://kea-a1.example.net:8001/'), 'another port');
  assert.ok(!ok(urls, 'http://kea-a1.example.net:8000/'), 'another scheme');
  assert.ok(!ok(urls, 'https://kea-a1.example.net:8000/other'), 'another path');
  assert.ok(ok(urls, 'http://10.1.2.3:8004/'));
  assert.ok(!ok(urls, 'http://10.1.2.3.evil.org:8004/'));
  assert.ok(!ok(urls, 'http://10.1.2.3:8004/x'));
  assert.ok(!ok([], 'http://10.1.2.3:8004/'), 'nothing by default');
  assert.ok(ok(['http://127.0.0.1:8000/'], 'http://127.0.0.1:8000'), 'an exact address');
});

test('patterns are checked at load: addresses as they are normalised', () => {
  for (const p of ['/run/kea/*', 'https://kea-*.example.net:8000/', 'http://[::1]:*/', 'http://127.0.0.1:8000/'])
    assert.equal(allowPatternProblem(p), undefined, p);
  assert.match(allowPatternProblem('*') ?? '', /not an address pattern/);
  assert.match(allowPatternProblem('kea-*') ?? '', /not an address pattern/);
  assert.match(allowPatternProblem('http://Kea-*.example/') ?? '', /as it is normalised/);
  assert.match(allowPatternProblem('http://kea-*.example:80/') ?? '', /as it is normalised/);
  assert.match(allowPatternProblem('http://kea-*.example') ?? '', /as it is normalised/);
  assert.match(allowPatternProblem('/run/kea/../*') ?? '', /not an address pattern/);
});
