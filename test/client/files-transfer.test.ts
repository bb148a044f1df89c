// File transfers (client/files/transfer.ts) against the real server: upload and download with their checks, resume of both, and a damaged download leaving no file behind.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBody, encodeFrameBody } from '../../protocol/codec';
import { parseServerFrame, type ClientFrame } from '../../protocol/frames';
import { FrameDecoder } from '../../protocol/framing';
import { MAX_FILE_CHUNK, MIN_FILE_CHUNK, newFileKey } from '../../client/files/stream-crypto';
import { BlobTransfers, FileTransferError, READ_PIECE, UPLOAD_WINDOW, WRITE_PIECE, fileSha256, type BlobChannel, type FileRef } from '../../client/files/transfer';
import { startServer, type TestServer } from '../support/server';
import { joinProof, randomCid, roomAuth, type RoomAuth } from '../support/wire';

let server: TestServer;
let dir: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'message-app-transfer-'));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await server.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** A joined connection whose server frames go to a BlobTransfers (what the CLI and extension will do over their own connection). */
async function joinedTransfers(auth: RoomAuth, create: boolean): Promise<{ transfers: BlobTransfers; socket: Socket }> {
  const socket = connect({ host: server.host, port: server.port });
  sockets.push(socket);
  socket.on('error', () => {});
  const channel: BlobChannel = {
    send: (frame: ClientFrame) => {
      if (socket.destroyed) return false;
      socket.write(encodeFrameBody(frame));
      return true;
    },
  };
  const transfers = new BlobTransfers(channel);
  const decoder = new FrameDecoder(64 * 1024 * 1024);
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk).frames) {
        const frame = parseServerFrame(decodeBody(body));
        if (!frame) continue;
        if (frame.t === 'hello') {
          const proof = joinProof(auth, frame.challenge);
          channel.send(create ? { t: 'create', room: auth.room, salt: auth.salt, kdf: auth.kdf, auth: auth.auth, proof } : { t: 'join', room: auth.room, proof });
        } else if (frame.t === 'joined') resolve();
        else if (frame.t === 'error' && frame.blob === undefined) reject(new Error(`${frame.code}: ${frame.msg}`));
        else transfers.receive(frame);
      }
    });
    socket.on('close', () => transfers.disconnected());
  });
  return { transfers, socket };
}

async function plainFile(name: string, size: number): Promise<{ path: string; bytes: Uint8Array; sha256: Uint8Array }> {
  const path = join(dir, name);
  const bytes = new Uint8Array(randomBytes(size));
  writeFileSync(path, bytes);
  return { path, bytes, sha256: await fileSha256(path) };
}

let rooms = 0;
const newRoom = (): RoomAuth => roomAuth(`transfer-${process.pid}-${++rooms}`, 'pass');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('file transfers against the real server', () => {
  test('upload then download: the saved file is byte for byte the original, with progress to the end and no .part left', async () => {
    const auth = newRoom();
    const alice = await joinedTransfers(auth, true);
    const bob = await joinedTransfers(auth, false);
    const file = await plainFile('a.bin', 5 * 1024 * 1024 + 777);
    const ref: FileRef = { room: auth.room, blob: randomCid(), key: newFileKey(), chunk: MIN_FILE_CHUNK, size: file.bytes.length };
    const up: number[] = [];
    await alice.transfers.upload(ref, file.path, (p) => up.push(p.done));
    expect(up.at(-1)).toBe(file.bytes.length);
    expect(up).toEqual([...up].sort((a, b) => a - b));
    const out = join(dir, 'a.saved');
    const down: number[] = [];
    await bob.transfers.download({ ...ref, sha256: file.sha256 }, out, (p) => down.push(p.done));
    expect(sha(readFileSync(out))).toBe(sha(file.bytes));
    expect(down.at(-1)).toBe(file.bytes.length);
    expect(existsSync(`${out}.part`)).toBe(false);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  test('1 MiB chunks, each written in several pieces on both sides and read in smaller pieces, arrive byte for byte', async () => {
    const auth = newRoom();
    const alice = await joinedTransfers(auth, true);
    const bob = await joinedTransfers(auth, false);
    // Not a multiple of the read, write or chunk size: every piece loop ends on a short piece.
    const file = await plainFile('pieces.bin', 2 * MAX_FILE_CHUNK + READ_PIECE + WRITE_PIECE + 12_345);
    const ref: FileRef = { room: auth.room, blob: randomCid(), key: newFileKey(), chunk: MAX_FILE_CHUNK, size: file.bytes.length };
    await alice.transfers.upload(ref, file.path);
    const out = join(dir, 'pieces.saved');
    await bob.transfers.download({ ...ref, sha256: file.sha256 }, out);
    expect(sha(readFileSync(out))).toBe(sha(file.bytes));
    expect(statSync(out).size).toBe(file.bytes.length);
  });

  test('an upload cut off by a dropped connection resumes from what the server holds', async () => {
    const auth = newRoom();
    const first = await joinedTransfers(auth, true);
    const file = await plainFile('b.bin', 3 * 1024 * 1024);
    const ref: FileRef = { room: auth.room, blob: randomCid(), key: newFileKey(), chunk: MIN_FILE_CHUNK, size: file.bytes.length };
    const cut = first.transfers.upload(ref, file.path, (p) => {
      if (p.done >= file.bytes.length / 3) first.socket.destroy();
    });
    await expect(cut).rejects.toBeInstanceOf(FileTransferError);
    const again = await joinedTransfers(auth, false);
    const progress: number[] = [];
    await again.transfers.upload(ref, file.path, (p) => progress.push(p.done));
    expect(progress[0]).toBeGreaterThanOrEqual(file.bytes.length / 3);
    const out = join(dir, 'b.saved');
    await again.transfers.download({ ...ref, sha256: file.sha256 }, out);
    expect(sha(readFileSync(out))).toBe(sha(file.bytes));
  });

  test('must not complete a blob from a file that grew or shrank while it was sent: the upload fails as changed', async () => {
    const auth = newRoom();
    const alice = await joinedTransfers(auth, true);
    for (const change of ['grew', 'shrank'] as const) {
      // More chunks than the upload window, so most are read after the change.
      const file = await plainFile(`${change}.bin`, 3 * UPLOAD_WINDOW * MIN_FILE_CHUNK);
      const ref: FileRef = { room: auth.room, blob: randomCid(), key: newFileKey(), chunk: MIN_FILE_CHUNK, size: file.bytes.length };
      let changed = false;
      const upload = alice.transfers.upload(ref, file.path, (p) => {
        // Once the first chunk is acked, the file changes under the upload.
        if (changed || p.done === 0) return;
        changed = true;
        if (change === 'grew') appendFileSync(file.path, new Uint8Array(10));
        else truncateSync(file.path, 2 * MIN_FILE_CHUNK + 5);
      });
      const error = await upload.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileTransferError);
      expect((error as FileTransferError).code).toBe('changed');
      expect((error as FileTransferError).message).toContain(change);
      // The blob is not complete on the server: a download (which skips the failed upload's late acks) finds nothing.
      const out = join(dir, `${change}.saved`);
      const fetched = await alice.transfers.download({ ...ref, sha256: file.sha256 }, out).catch((e: unknown) => e);
      expect((fetched as FileTransferError).serverCode).toBe('no_blob');
      expect(existsSync(out)).toBe(false);
    }
  });

  test('a download continues a .part from its last whole chunk', async () => {
    const auth = newRoom();
    const alice = await joinedTransfers(auth, true);
    const file = await plainFile('c.bin', 1024 * 1024 + 5);
    const ref: FileRef = { room: auth.room, blob: randomCid(), key: newFileKey(), chunk: MIN_FILE_CHUNK, size: file.bytes.length };
    await alice.transfers.upload(ref, file.path);
    const out = join(dir, 'c.saved');
    writeFileSync(`${out}.part`, file.bytes.subarray(0, Math.floor(2.5 * MIN_FILE_CHUNK)));
    const progress: number[] = [];
    await alice.transfers.download({ ...ref, sha256: file.sha256 }, out, (p) => progress.push(p.done));
    expect(progress[0]).toBe(2 * MIN_FILE_CHUNK);
    expect(sha(readFileSync(out))).toBe(sha(file.bytes));
  });

  test('must not save a file that fails to decrypt, fails its SHA-256 or is shorter than announced; the .part is removed', async () => {
    const auth = newRoom();
    const alice = await joinedTransfers(auth, true);
    const file = await plainFile('d.bin', 300_000);
    const ref: FileRef = { room: auth.room, blob: randomCid(), key: newFileKey(), chunk: MIN_FILE_CHUNK, size: file.bytes.length };
    await alice.transfers.upload(ref, file.path);
    const cases: [string, FileRef & { sha256: Uint8Array }][] = [
      ['wrong key', { ...ref, key: newFileKey(), sha256: file.sha256 }],
      ['wrong hash', { ...ref, sha256: new Uint8Array(32) }],
      ['longer than the blob', { ...ref, size: ref.size + MIN_FILE_CHUNK, sha256: file.sha256 }],
    ];
    for (const [name, bad] of cases) {
      const out = join(dir, `d-${name.replace(/ /g, '-')}.saved`);
      let caught: unknown;
      try {
        await alice.transfers.download(bad, out);
      } catch (error) {
        caught = error;
      }
      expect(caught, name).toBeInstanceOf(FileTransferError);
      expect((caught as FileTransferError).code, name).toBe('damaged');
      expect(existsSync(out), name).toBe(false);
      expect(existsSync(`${out}.part`), name).toBe(false);
    }
  });
});
