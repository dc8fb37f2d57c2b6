// zip.ts on archives made by Info-ZIP's zip (stored and deflated entries), and its refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { readZipEntry } from './zip.js';

/** A one-entry archive as zip(1) lays it out: local header, data, central directory, end record. */
function archive(name: string, content: Buffer, method: 0 | 8): Buffer {
  const data = method === 8 ? deflateRawSync(content) : content;
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(n.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + n.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + n.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, data, central, n, end]);
}

test('readZipEntry: stored and deflated entries; missing names and non-archives fail', () => {
  const content = Buffer.from('#!/bin/sh\necho helm\n'.repeat(100));
  for (const method of [0, 8] as const) assert.deepEqual(readZipEntry(archive('helm/helm', content, method), 'helm/helm'), content);
  assert.throws(() => readZipEntry(archive('helm/helm', content, 8), 'kubectl/kubectl'), /not in the ZIP archive/);
  assert.throws(() => readZipEntry(Buffer.from('not a zip at all, just text'), 'helm/helm'), /not a ZIP archive/);
  const broken = archive('helm/helm', content, 8);
  broken.writeUInt32LE(content.length + 1, broken.length - 22 - 46 - 9 + 24);
  assert.throws(() => readZipEntry(broken, 'helm/helm'), /bytes unpacked/);
});
