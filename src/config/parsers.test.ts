/** The small pure parsers the config loader uses: listen addresses, durations, Kea's # comments. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripHashComments } from './comments.js';
import { parseDuration, parseListen } from './load.js';

describe('parseListen', () => {
  it('accepts HOST:PORT and [IPV6]:PORT', () => {
    assert.deepEqual(parseListen('0.0.0.0:9547'), { host: '0.0.0.0', port: 9547 });
    assert.deepEqual(parseListen('localhost:80'), { host: 'localhost', port: 80 });
    assert.deepEqual(parseListen('[::1]:9547'), { host: '::1', port: 9547 });
    assert.deepEqual(parseListen('[::]:0'), { host: '::', port: 0 });
  });
  it('rejects anything else with a clear message', () => {
    for (const bad of ['', '9547', ':9547', 'host:', 'host:http', 'host:65536', '::1:9547', '[::1]9547', '[::1', '[host]:1', 'a b:1']) {
      assert.throws(() => parseListen(bad), /invalid listen address: .*expected HOST:PORT/, bad);
    }
  });
});

describe('parseDuration', () => {
  it('parses Prometheus-style durations to milliseconds', () => {
    const cases: [string, number][] = [
      ['500ms', 500],
      ['5s', 5000],
      ['1m', 60_000],
      ['1h', 3_600_000],
      ['1m30s', 90_000],
      ['1h2m3s4ms', 3_723_004],
      ['0s', 0],
      ['1d', 86_400_000],
    ];
    for (const [s, ms] of cases) assert.equal(parseDuration(s), ms, s);
  });
  it('throws on anything else', () => {
    for (const bad of ['', '5', '0', '1.5s', '5 s', '-1s', '30s1m', '1s1s', '5S', 's', 'ms', ' 5s', '5sec']) {
      assert.throws(() => parseDuration(bad), /invalid duration/, bad);
    }
  });
});

describe('stripHashComments', () => {
  it('removes # comments only outside strings and other comments', () => {
    assert.equal(stripHashComments('{a: 1, # c\n"b#": \'#\'} # end'), '{a: 1, \n"b#": \'#\'} ');
    assert.equal(stripHashComments('// it\'s # x\n/* "# */ "\\"#"'), '// it\'s # x\n/* "# */ "\\"#"');
  });
});
