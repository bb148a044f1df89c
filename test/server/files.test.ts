// The data folder is private (PROTOCOL.md section 7): folder 0700, database, WAL, SHM and envelope log 0600, tightened at start-up.

import { afterEach, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_ENVELOPE_BYTES } from '../../server/store';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, roomAuth } from '../support/wire';

const servers: TestServer[] = [];
const dirs: string[] = [];
const clients: WireClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.remove()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

function files(db: string): string[] {
  return [db, `${db}-wal`, `${db}-shm`, `${db}.envelopes`];
}

test('a new data folder is 0700 and every file the server writes in it 0600', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'message-app-modes-'));
  dirs.push(parent);
  const folder = join(parent, 'data');
  const db = join(folder, 'chat.db');
  const server = await startServer({ dataFile: db });
  servers.push(server);
  const c = await WireClient.connect(server);
  clients.push(c);
  const auth = roomAuth('private', 'p');
  await c.create(auth);
  await c.sendMessage(auth.room, fakeEnvelope(100));
  await c.sendMessage(auth.room, fakeEnvelope(LOG_ENVELOPE_BYTES + 1)); // into the envelope log
  expect(mode(folder)).toBe('700');
  for (const file of files(db)) {
    expect(existsSync(file)).toBe(true);
    expect([file, mode(file)]).toEqual([file, '600']);
  }
});

test('a folder and files left readable by an older server are tightened at start-up, with a log line', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'message-app-modes-'));
  dirs.push(parent);
  const folder = join(parent, 'data');
  const db = join(folder, 'chat.db');
  const server = await startServer({ dataFile: db });
  servers.push(server);
  const c = await WireClient.connect(server);
  const auth = roomAuth('loose', 'p');
  await c.create(auth);
  await c.sendMessage(auth.room, fakeEnvelope(LOG_ENVELOPE_BYTES + 1));
  c.close();
  // kill -9 keeps the WAL and SHM files, as a crashed older server would leave them.
  await server.kill();
  chmodSync(folder, 0o755);
  const present = files(db).filter((f) => existsSync(f));
  expect(present).toContain(`${db}-wal`);
  for (const file of present) chmodSync(file, 0o644);
  await server.restart();
  expect(mode(folder)).toBe('700');
  for (const file of files(db).filter((f) => existsSync(f))) expect([file, mode(file)]).toEqual([file, '600']);
  const log = server.stderr();
  expect(log).toContain(`tightened the data folder ${folder} from 0755 to 0700`);
  expect(log).toContain(`tightened the data file ${db} from 0644 to 0600`);
  expect(log).toContain(`tightened the data file ${db}.envelopes from 0644 to 0600`);
  // The data is still there.
  const d = await WireClient.connect(server);
  clients.push(d);
  await d.join(auth);
  expect((await d.history(auth.room)).msgs.length).toBe(1);
});
