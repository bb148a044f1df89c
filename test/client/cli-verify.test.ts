// `chat verify` against the real server: after `read` has pinned the senders, it prints the
// fingerprint pinned for a name (and your own) from the local pin store, to compare by voice.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../support/server';
import { runChat, tempDir } from './helpers';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startServer();
  dir = tempDir('message-app-cli-verify-');
}, 30_000);

afterAll(async () => {
  await server.stop();
});

const ident = (who: string): string => join(dir, `${who}.json`);
const PASS = { MESSAGE_APP_PASSPHRASE: 'correct horse battery staple' };
const fp = (who: string): string => JSON.parse(readFileSync(ident(who), 'utf8')).fingerprint as string;

describe('chat verify', () => {
  test('prints the pinned fingerprint of a name and yours; a name not seen yet is exit 1 with a sentence', async () => {
    const room = 'cli-verify';
    const conn = (who: string): string[] => ['--server', server.address, '--room', room, '--identity', ident(who)];
    expect((await runChat(['send', ...conn('ada'), '--insecure', '--name', 'Ada', '--text', 'hi'], PASS)).code).toBe(0);

    const before = await runChat(['verify', ...conn('bob'), '--name', 'Ada'], {});
    expect(before.code).toBe(1);
    expect(before.stderr).toBe(`No key is pinned for "Ada" in room "${room}" on ${server.address} yet: read the room first (npm run chat -- read ...).\n`);

    expect((await runChat(['read', ...conn('bob'), '--insecure'], PASS)).code).toBe(0);
    const after = await runChat(['verify', ...conn('bob'), '--name', 'Ada'], {});
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
    expect(after.lines).toEqual([{ name: 'Ada', room, fingerprint: fp('ada'), yours: fp('bob') }]);
    // Looked up by the name's skeleton, as messages are checked: Cyrillic "Аda" finds Ada's pin.
    const lookalike = await runChat(['verify', ...conn('bob'), '--name', '\u0410da'], {});
    expect(lookalike.lines[0]?.fingerprint).toBe(fp('ada'));
    // No network: verify takes no --insecure (nor a passphrase).
    const usage = await runChat(['verify', ...conn('bob'), '--name', 'Ada', '--insecure'], {});
    expect(usage.code).toBe(1);
  }, 60_000);
});
