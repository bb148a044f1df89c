// `chat send --file` and `chat fetch` as users run them: real CLI processes against the real server. An upload killed
// mid-way (SIGKILL) resumes the same blob on the next run; fetch writes a file identical to the original, resumes a
// .part, and a .part that does not match is caught by the SHA-256 check and removed; `chat read` shows the file line.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUN_BINARY, REPO_ROOT, startServer, type TestServer } from '../support/server';
import { runChat, tempDir, testConfigHome } from './helpers';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  // 20 frames a second: 1 MiB chunks go at about 20 MB/s, slow enough to kill the CLI mid-upload.
  server = await startServer({ args: ['--rate', '20', '--burst', '20'] });
  dir = tempDir('message-app-cli-files-');
}, 30_000);

afterAll(async () => {
  await server.stop();
});

const ident = (who: string): string => join(dir, `${who}.json`);
const PASS = { MESSAGE_APP_PASSPHRASE: 'correct horse battery staple' };
const common = (room: string, who: string): string[] => ['--server', server.address, '--room', room, '--identity', ident(who), '--insecure'];
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Every file under the server's blob folder (section 9.4: <data>.blobs/<room id>/). */
function blobFiles(): string[] {
  const root = `${server.dataFile}.blobs`;
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((room) => readdirSync(join(root, room)).map((f) => join(root, room, f)));
}

describe('chat send --file and chat fetch', () => {
  test('an upload killed mid-way resumes the same blob; fetch writes the same bytes; read shows the file line', async () => {
    const source = join(dir, 'build.log');
    const bytes = new Uint8Array(randomBytes(40 * 1024 * 1024 + 12345));
    writeFileSync(source, bytes);

    // First run: killed with SIGKILL once the server holds part of the blob.
    const child = spawn(BUN_BINARY, [join(REPO_ROOT, 'client/cli/chat.ts'), 'send', ...common('cli-files', 'ada'), '--name', 'Ada', '--file', source], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...PASS, XDG_CONFIG_HOME: testConfigHome() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    let partBytes = 0;
    while (Date.now() < deadline) {
      const part = blobFiles().find((f) => f.endsWith('.part'));
      partBytes = part && existsSync(part) ? statSync(part).size : 0;
      if (partBytes >= 4 * 1024 * 1024) break;
      await Bun.sleep(10);
    }
    child.kill('SIGKILL');
    expect(await exited).toBeNull(); // killed, not finished
    expect(partBytes).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(partBytes).toBeLessThan(bytes.length);

    // Second run: the same blob goes on from what the server holds, then the message is sent.
    const sent = await runChat(['send', ...common('cli-files', 'ada'), '--name', 'Ada', '--file', source], PASS, 60_000);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.lines).toHaveLength(1);
    const line = sent.lines[0] ?? {};
    expect(line).toMatchObject({ kind: 'file', file: { name: 'build.log', size: bytes.length, mime: 'text/plain', sha256: sha(bytes) } });
    // One blob, complete: a restart from zero would have left the first run's .part behind.
    const files = blobFiles();
    expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(files.filter((f) => !f.endsWith('.meta') && !f.endsWith('.sums'))).toHaveLength(1);
    // Nothing of the plaintext is stored by the server.
    const stored = readFileSync(files.find((f) => !f.endsWith('.meta') && !f.endsWith('.sums')) ?? '');
    expect(stored.includes(Buffer.from(bytes.subarray(1000, 1064)))).toBe(false);

    const read = await runChat(['read', ...common('cli-files', 'bob')], PASS);
    expect(read.code).toBe(0);
    expect(read.lines).toEqual([line]);

    // Bob fetches it: byte for byte, no .part left.
    const out = join(dir, 'saved.log');
    const fetched = await runChat(['fetch', ...common('cli-files', 'bob'), '--id', String(line.id), '--out', out], PASS, 60_000);
    expect(fetched.stderr).toBe('');
    expect(fetched.code).toBe(0);
    expect(fetched.lines).toEqual([{ id: line.id, out, size: bytes.length, sha256: sha(bytes) }]);
    expect(sha(readFileSync(out))).toBe(sha(bytes));
    expect(existsSync(`${out}.part`)).toBe(false);

    // A .part holding the first 3 MiB is continued (the kept bytes count toward the hash).
    const out2 = join(dir, 'resumed.log');
    writeFileSync(`${out2}.part`, bytes.subarray(0, 3 * 1024 * 1024));
    const resumed = await runChat(['fetch', ...common('cli-files', 'bob'), '--id', String(line.id), '--out', out2], PASS, 60_000);
    expect(resumed.code).toBe(0);
    expect(sha(readFileSync(out2))).toBe(sha(bytes));
    expect(existsSync(`${out2}.part`)).toBe(false);

    // A .part whose bytes are not the file's: the SHA-256 check fails, one sentence, nothing saved, .part removed.
    const out3 = join(dir, 'wrong.log');
    writeFileSync(`${out3}.part`, new Uint8Array(2 * 1024 * 1024).fill(1));
    const wrong = await runChat(['fetch', ...common('cli-files', 'bob'), '--id', String(line.id), '--out', out3], PASS, 60_000);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('does not match its SHA-256');
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out3)).toBe(false);
    expect(existsSync(`${out3}.part`)).toBe(false);
  }, 120_000);

  test('fetch of a message that is not a file, and of a missing id, is a clear error', async () => {
    const text = await runChat(['send', ...common('cli-files-2', 'ada'), '--name', 'Ada', '--text', 'not a file'], PASS);
    expect(text.code).toBe(0);
    const out = join(dir, 'nothing');
    const notFile = await runChat(['fetch', ...common('cli-files-2', 'bob'), '--id', String(text.lines[0]?.id), '--out', out], PASS);
    expect(notFile.code).toBe(1);
    expect(notFile.stderr).toContain('is not a file');
    const missing = await runChat(['fetch', ...common('cli-files-2', 'bob'), '--id', '999', '--out', out], PASS);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no message 999');
    expect(existsSync(out)).toBe(false);
    const usage = await runChat(['fetch', ...common('cli-files-2', 'bob'), '--out', out], PASS);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('--id');
  }, 60_000);
});
