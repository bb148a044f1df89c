// A file message names its blob in `send.blobs` (PROTOCOL.md sections 9 and 11.2), so the server records the message as the
// blob's owner and deleting the message erases the blob's file; checked against the real server's SQLite file and data
// folder, also for a message queued while the server was down and resent by a new client from the durable outbox.

import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStateStore } from '../../client/file-store';
import { FileTransferError } from '../../client/files/transfer';
import { describeFile, downloadFile, uploadFile } from '../../client/files/send-file';
import { MAX_MESSAGE_BLOBS } from '../../protocol/constants';
import { startServer, type TestServer } from '../support/server';
import { until } from '../support/until';
import { makeClient, tempDir, type TestClient } from './helpers';

let server: TestServer;
let dir: string;
const clients: TestClient[] = [];
const track = (c: TestClient): TestClient => (clients.push(c), c);

beforeAll(async () => {
  server = await startServer();
  dir = tempDir('message-app-file-blobs-');
});

afterAll(async () => {
  for (const c of clients) c.client.close();
  await server.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** The message that owns `blob` on the server, read from its database (WAL mode lets a reader in beside it). */
function ownerOf(blob: string): number | undefined {
  const db = new Database(server.dataFile, { readonly: true });
  try {
    return db.query<{ message_id: number }, [string]>('SELECT message_id FROM message_blobs WHERE blob = ?').get(blob)?.message_id;
  } finally {
    db.close();
  }
}

/** The complete blob file the server keeps for `blob` (section 9.4: `<data file>.blobs/<room id>/<blob>`), if any. */
function blobFiles(blob: string): string[] {
  const root = `${server.dataFile}.blobs`;
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((room) => (existsSync(join(root, room, blob)) ? [join(root, room, blob)] : []));
}

function testFile(name: string, size: number): string {
  const path = join(dir, name);
  writeFileSync(path, randomBytes(size));
  return path;
}

const ackedId = async (c: TestClient, cid: string): Promise<number> => {
  await c.waitFor((events) => events.some((e) => e.type === 'acked' && e.cid === cid), 10_000, `ack of ${cid}`);
  const ack = c.events.find((e) => e.type === 'acked' && e.cid === cid);
  if (ack?.type !== 'acked') throw new Error('no ack');
  return ack.id;
};

describe('a file message names its blob (send.blobs)', () => {
  test('sendFile: the server records the acked message as the owner of the uploaded blob', async () => {
    const ada = track(makeClient(server.address, 'Ada'));
    await ada.client.connect();
    await ada.client.joinRoom('blobs-named', 'pass', { create: true });
    const path = testFile('named.bin', 300_000);
    const file = await describeFile(path);
    await uploadFile(ada.client, 'blobs-named', file, path);
    expect(blobFiles(file.blob)).toHaveLength(1);
    expect(ownerOf(file.blob)).toBeUndefined();

    const id = await ackedId(ada, await ada.client.sendFile('blobs-named', file));
    expect(ownerOf(file.blob)).toBe(id);
  });

  test('deleting the file message erases its blob: the file is gone from the data folder, another member cannot fetch it', async () => {
    const ada = track(makeClient(server.address, 'Ada'));
    const bob = track(makeClient(server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom('blobs-deleted', 'pass', { create: true });
    await bob.client.joinRoom('blobs-deleted', 'pass');
    const path = testFile('deleted.bin', 400_000);
    const file = await describeFile(path);
    await uploadFile(ada.client, 'blobs-deleted', file, path);
    const cid = await ada.client.sendFile('blobs-deleted', file);
    const id = await ackedId(ada, cid);
    const [stored] = blobFiles(file.blob);
    if (!stored) throw new Error('the blob file is not there after the upload');
    expect(readFileSync(stored).length).toBeGreaterThan(400_000);
    // Bob can fetch it before the delete...
    await downloadFile(bob.client, 'blobs-deleted', file, join(dir, 'bob-before.bin'));
    expect(readFileSync(join(dir, 'bob-before.bin'))).toEqual(readFileSync(path));

    await ada.client.deleteMessage('blobs-deleted', { id, cid });
    expect(existsSync(stored)).toBe(false);
    expect(blobFiles(file.blob)).toEqual([]);
    expect(ownerOf(file.blob)).toBeUndefined();
    // ...and not after it: the server no longer has the blob, and no partial file stays behind.
    const out = join(dir, 'bob-after.bin');
    const failed = await downloadFile(bob.client, 'blobs-deleted', file, out).then(() => null, (e: unknown) => e);
    expect(failed).toBeInstanceOf(FileTransferError);
    expect(failed).toMatchObject({ code: 'server', serverCode: 'no_blob' });
    expect((failed as Error).message).toMatch(/does not hold this file \(its message was deleted/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);
  });

  test('a text message names no blob', async () => {
    const ada = track(makeClient(server.address, 'Ada'));
    await ada.client.connect();
    await ada.client.joinRoom('blobs-none', 'pass', { create: true });
    await ackedId(ada, await ada.client.sendText('blobs-none', 'no file here'));
    const db = new Database(server.dataFile, { readonly: true });
    try {
      const rows = db.query<{ n: number }, []>("SELECT count(*) AS n FROM message_blobs mb JOIN rooms r ON r.id = mb.room_id WHERE r.name = 'blobs-none'").get();
      expect(rows?.n).toBe(0);
    } finally {
      db.close();
    }
  });

  test('a file message queued while the server is down keeps its blob list in the durable outbox and names it when a new client resends it', async () => {
    const outboxDir = join(dir, 'outbox-state');
    const first = track(makeClient(server.address, 'Ada', { outbox: new FileStateStore(outboxDir) }));
    await first.client.connect();
    await first.client.joinRoom('blobs-resent', 'pass', { create: true });
    const path = testFile('resent.bin', 200_000);
    const file = await describeFile(path);
    await uploadFile(first.client, 'blobs-resent', file, path);

    await server.stop();
    const cid = await first.client.sendFile('blobs-resent', file);
    first.client.close();
    const stored = await new FileStateStore(outboxDir).list();
    expect(stored.map((e) => ({ cid: e.cid, blobs: e.blobs }))).toEqual([{ cid, blobs: [file.blob] }]);

    await server.restart();
    // Same identity and outbox folder: a restarted VS Code or CLI run.
    const second = track(makeClient(server.address, 'Ada', { identity: first.identity, outbox: new FileStateStore(outboxDir) }));
    await second.client.connect();
    await second.client.joinRoom('blobs-resent', 'pass');
    const id = await ackedId(second, cid);
    expect(ownerOf(file.blob)).toBe(id);
    // Acked: the entry and its blob list are gone from the folder.
    await until('the outbox folder empties after the ack', () => readdirSync(join(outboxDir, 'outbox', 'blobs-resent')).length === 0, 5_000);
  });
});

describe('the durable outbox keeps blob lists', () => {
  test('an entry without blobs has no list; a damaged or oversized list reads as none, the envelope still goes', async () => {
    const store = new FileStateStore(join(dir, 'lists'));
    await store.add({ room: 'r1', cid: 'cid-plain-1', env: new Uint8Array([1, 2, 3]), queuedAt: 1 });
    await store.add({ room: 'r1', cid: 'cid-blobs-2', env: new Uint8Array([4]), queuedAt: 2, blobs: ['blob-id-aaaa', 'blob-id-bbbb'] });
    await store.add({ room: 'r1', cid: 'cid-broken-3', env: new Uint8Array([5]), queuedAt: 3, blobs: ['blob-id-cccc'] });
    await store.add({ room: 'r1', cid: 'cid-toomany-4', env: new Uint8Array([6]), queuedAt: 4 });
    const folder = join(dir, 'lists', 'outbox', 'r1');
    expect(readdirSync(folder).filter((f) => f.endsWith('.blobs')).sort()).toEqual(['2-cid-blobs-2.blobs', '3-cid-broken-3.blobs']);
    writeFileSync(join(folder, '3-cid-broken-3.blobs'), '["blob-id-cccc", 42');
    writeFileSync(join(folder, '4-cid-toomany-4.blobs'), JSON.stringify(Array.from({ length: MAX_MESSAGE_BLOBS + 1 }, (_, i) => `blob-id-${String(i).padStart(4, '0')}`)));

    const listed = await new FileStateStore(join(dir, 'lists')).list();
    expect(listed.map((e) => [e.cid, e.blobs ?? null, [...e.env]])).toEqual([
      ['cid-plain-1', null, [1, 2, 3]],
      ['cid-blobs-2', ['blob-id-aaaa', 'blob-id-bbbb'], [4]],
      ['cid-broken-3', null, [5]],
      ['cid-toomany-4', null, [6]],
    ]);
    await store.remove('r1', 'cid-blobs-2');
    expect(readdirSync(folder).some((f) => f.includes('cid-blobs-2'))).toBe(false);
  });
});
