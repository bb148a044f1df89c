// `chat reply`, `chat react`, `chat edit`, `chat delete` and the folding `chat read`, as real processes against the real server.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { startServer, type TestServer } from '../support/server';
import { runChat, tempDir } from './helpers';

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startServer();
  dir = tempDir('message-app-cli-conv-');
}, 30_000);
afterAll(async () => {
  await server.stop();
});

const PASS = { MESSAGE_APP_PASSPHRASE: 'correct horse battery staple' };
const common = (who: string): string[] => ['--server', server.address, '--room', 'cli-conv', '--identity', join(dir, `${who}.json`), '--insecure'];

describe('chat CLI conversation', () => {
  test('reply, react, edit, delete; read folds them; a delete by another member exits 1 with a sentence', async () => {
    const sent = await runChat(['send', ...common('ada'), '--name', 'Ada', '--text', 'meet at 3'], PASS);
    expect(sent.code).toBe(0);
    const id = Number(sent.lines[0]?.id);
    const reply = await runChat(['reply', ...common('bob'), '--name', 'Bob', '--to', String(id), '--text', 'ok'], PASS);
    expect(reply.code).toBe(0);
    expect(reply.lines[0]).toMatchObject({ kind: 'reply', reply_to: id });
    expect((await runChat(['react', ...common('bob'), '--name', 'Bob', '--to', String(id), '--emoji', '👍'], PASS)).code).toBe(0);
    expect((await runChat(['edit', ...common('ada'), '--name', 'Ada', '--id', String(id), '--text', 'meet at 4'], PASS)).code).toBe(0);
    const notMine = await runChat(['edit', ...common('bob'), '--name', 'Bob', '--id', String(id), '--text', 'x'], PASS);
    expect(notMine.code).toBe(1);

    const read = await runChat(['read', ...common('bob')], PASS);
    expect(read.code).toBe(0);
    expect(read.lines).toHaveLength(2);
    expect(read.lines[0]).toMatchObject({ id, text: 'meet at 4', edited: true, reactions: { '👍': [{ name: 'Bob' }] } });
    expect(read.lines[1]).toMatchObject({ kind: 'reply', reply_to: id, text: 'ok' });
    const raw = await runChat(['read', ...common('bob'), '--raw'], PASS);
    expect(raw.lines).toHaveLength(4);

    const forbidden = await runChat(['delete', ...common('bob'), '--id', String(id)], PASS);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('Only the message');
    const deleted = await runChat(['delete', ...common('ada'), '--id', String(id)], PASS);
    expect(deleted.code).toBe(0);
    const after = await runChat(['read', ...common('bob')], PASS);
    expect(after.lines[0]).toEqual({ id, ts: expect.any(Number), deleted: true });
  }, 60_000);
});
