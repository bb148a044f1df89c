// Files through the extension's session against the REAL server: Send File with upload progress, the file card the view
// gets (name, size, type; never the key), Save File As cancelled mid-way (no file, no .part left), then saved whole and
// checked, and a blob damaged on the server's disk caught with the partial file removed.

import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, openSync, writeSync, closeSync, fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTransferError } from '../../client/files/transfer';
import { ChatSession } from '../../extension/session';
import type { ViewFileItem } from '../../protocol/webview';
import { startServer, type TestServer } from '../support/server';
import { until } from '../support/until';
import { testSession } from './session-harness';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('extension session: send and save files against the real server', function () {
  this.timeout(60_000);
  let server: TestServer;
  const open: ChatSession[] = [];
  let dir: string;

  before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'message-app-session-files-'));
  });

  after(async () => {
    for (const s of open.splice(0)) await s.close();
    await server?.stop();
  });

  it('sends with progress, shows a card without the key, cancels a save leaving nothing, saves whole, and catches a damaged blob', async () => {
    const ann = testSession(server.address, 'Ann').session;
    const bob = testSession(server.address, 'Bob').session;
    open.push(ann, bob);
    await ann.connect();
    await bob.connect();
    await ann.join('files', 'pass words', { create: true });
    await bob.join('files', 'pass words');

    const source = join(dir, 'report.pdf');
    const bytes = new Uint8Array(randomBytes(12 * 1024 * 1024 + 5));
    writeFileSync(source, bytes);
    const progress: number[] = [];
    const cid = await ann.sendFile('files', source, undefined, { onProgress: (p) => progress.push(p.done) });
    assert.equal(progress.at(-1), bytes.length);
    assert.ok(progress.length > 2, 'progress reported along the way');

    const card = await until('Bob sees the file card', () => bob.state.findItem('files', cid, 'file'), 30_000);
    assert.deepEqual((card as ViewFileItem).file, { name: 'report.pdf', size: bytes.length, mime: 'application/pdf' });
    const info = bob.fileInfo('files', cid);
    assert.ok(info);
    assert.ok(!JSON.stringify(card).includes(Buffer.from(info.key).toString('hex')));
    assert.ok(!JSON.stringify(card).includes(info.blob));

    // Cancelled once some bytes are written: no file under the final name, no .part.
    const cancelled = join(dir, 'cancelled.pdf');
    const abort = new AbortController();
    await assert.rejects(
      bob.saveFile('files', cid, cancelled, {
        signal: abort.signal,
        onProgress: (p) => {
          if (p.done > 0) abort.abort();
        },
      }),
      (error: unknown) => error instanceof FileTransferError && error.code === 'cancelled',
    );
    assert.equal(existsSync(cancelled), false);
    assert.equal(existsSync(`${cancelled}.part`), false);

    const saved = join(dir, 'saved.pdf');
    await bob.saveFile('files', cid, saved);
    assert.equal(sha(readFileSync(saved)), sha(bytes));
    assert.equal(existsSync(`${saved}.part`), false);

    // Damage a ciphertext byte on the server's disk (its CRC too, so only the client's AES-GCM tag can catch it).
    const root = `${server.dataFile}.blobs`;
    const roomDir = join(root, readdirSync(root)[0] ?? '');
    const blobPath = join(roomDir, info.blob);
    const fd = openSync(blobPath, 'r+');
    const at = fstatSync(fd).size - 100;
    writeSync(fd, new Uint8Array([0x42]), 0, 1, at);
    closeSync(fd);
    rewriteSums(join(roomDir, `${info.blob}.sums`), blobPath, info.chunk + 16);
    const damaged = join(dir, 'damaged.pdf');
    await assert.rejects(bob.saveFile('files', cid, damaged), (error: unknown) => error instanceof FileTransferError && error.code === 'damaged' && /changed or damaged/.test(error.message));
    assert.equal(existsSync(damaged), false);
    assert.equal(existsSync(`${damaged}.part`), false);
  });
});

/** Recomputes the server's per-chunk CRC-32 file (section 9.4) for a blob changed on disk. */
function rewriteSums(sumsPath: string, blobPath: string, chunk: number): void {
  const blob = readFileSync(blobPath);
  const sums = Buffer.alloc(4 * Math.ceil(blob.length / chunk));
  for (let i = 0; i * chunk < blob.length; i++) sums.writeUInt32BE(crc32(blob.subarray(i * chunk, (i + 1) * chunk)), 4 * i);
  writeFileSync(sumsPath, sums);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
