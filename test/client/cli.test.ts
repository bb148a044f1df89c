// The `chat` CLI as users and scripts run it: real processes (bun client/cli/chat.ts)
// against the real server, with the default KDF (what users get).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Jimp } from 'jimp';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BUN_BINARY, REPO_ROOT, startServer, type TestServer } from '../support/server';
import { FollowProcess, runChat, tempDir, testConfigHome } from './helpers';

let server: TestServer;
let dir: string;
const follows: FollowProcess[] = [];

beforeAll(async () => {
  server = await startServer();
  dir = tempDir('message-app-cli-');
}, 30_000);

afterAll(async () => {
  for (const f of follows) await f.stop();
  await server.stop();
});

const ident = (who: string): string => join(dir, `${who}.json`);
const PASS = { MESSAGE_APP_PASSPHRASE: 'correct horse battery staple' };
// This suite's server speaks plaintext (test/support/server.ts); trust.test.ts covers TLS.
const common = (room: string, who: string): string[] => ['--server', server.address, '--room', room, '--identity', ident(who), '--insecure'];

/** A one-line sentence: no stack trace, no "at file:line". */
function expectOneSentence(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('chat CLI', () => {
  test('two identities exchange text both ways with send and read', async () => {
    const sent = await runChat(['send', ...common('cli-talk', 'ada'), '--name', 'Ada', '--text', 'hello from ada'], PASS);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.lines).toHaveLength(1);
    const ack = sent.lines[0] ?? {};
    expect(Object.keys(ack).sort()).toEqual(['cid', 'id', 'ts']);
    expect(ack.cid).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const reply = await runChat(['send', ...common('cli-talk', 'bob'), '--name', 'Bob', '--text', 'hi ada, bob here'], PASS);
    expect(reply.code).toBe(0);

    const atAda = await runChat(['read', ...common('cli-talk', 'ada')], PASS);
    const atBob = await runChat(['read', ...common('cli-talk', 'bob')], PASS);
    expect(atAda.code).toBe(0);
    expect(atAda.lines).toEqual(atBob.lines);
    const adaFp = JSON.parse(readFileSync(ident('ada'), 'utf8')).fingerprint as string;
    const bobFp = JSON.parse(readFileSync(ident('bob'), 'utf8')).fingerprint as string;
    expect(atBob.lines).toEqual([
      { id: ack.id, ts: ack.ts, cid: ack.cid, from: { name: 'Ada', fingerprint: adaFp }, verified: true, kind: 'text', text: 'hello from ada' },
      { ...reply.lines[0], from: { name: 'Bob', fingerprint: bobFp }, verified: true, kind: 'text', text: 'hi ada, bob here' },
    ]);
    expect(adaFp).toMatch(/^([A-Z2-7]{4} ){5}[A-Z2-7]{4}$/);
  }, 60_000);

  test('the identity file is created once with mode 0600 and reused', async () => {
    const path = ident('ada');
    const before = readFileSync(path, 'utf8');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await runChat(['send', ...common('cli-talk', 'ada'), '--name', 'Ada', '--text', 'again'], PASS);
    expect(readFileSync(path, 'utf8')).toBe(before);
  }, 60_000);

  test('read pages with --limit, --before and --after, oldest first', async () => {
    for (let i = 1; i <= 5; i++) {
      const r = await runChat(['send', ...common('cli-pages', 'ada'), '--name', 'Ada', '--text', `m${i}`], PASS);
      expect(r.code).toBe(0);
    }
    const all = await runChat(['read', ...common('cli-pages', 'bob')], PASS);
    expect(all.lines.map((l) => l.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    const ids = all.lines.map((l) => Number(l.id));
    const last2 = await runChat(['read', ...common('cli-pages', 'bob'), '--limit', '2'], PASS);
    expect(last2.lines.map((l) => l.text)).toEqual(['m4', 'm5']);
    const before = await runChat(['read', ...common('cli-pages', 'bob'), '--before', String(ids[3]), '--limit', '2'], PASS);
    expect(before.lines.map((l) => l.text)).toEqual(['m2', 'm3']);
    const after = await runChat(['read', ...common('cli-pages', 'bob'), '--after', String(ids[1])], PASS);
    expect(after.lines.map((l) => l.text)).toEqual(['m3', 'm4', 'm5']);
  }, 60_000);

  test('exit codes: 2 wrong passphrase, 3 unreachable, 4 no such room, 1 usage; one sentence on stderr', async () => {
    await runChat(['send', ...common('cli-codes', 'ada'), '--name', 'Ada', '--text', 'x'], PASS);
    const wrong = await runChat(['read', ...common('cli-codes', 'bob')], { MESSAGE_APP_PASSPHRASE: 'not it' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('Wrong passphrase for room "cli-codes".\n');
    expect(wrong.stdout).toBe('');

    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const freePort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const down = await runChat(['read', '--server', `127.0.0.1:${freePort}`, '--room', 'cli-codes', '--identity', ident('bob'), '--insecure'], PASS);
    expect(down.code).toBe(3);
    expect(down.stderr).toBe(`Cannot reach the chat server at 127.0.0.1:${freePort} (ECONNREFUSED).\n`);

    const missing = await runChat(['read', ...common('cli-no-such-room', 'bob')], PASS);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toBe('Room "cli-no-such-room" does not exist on this server.\n');

    const usage = await runChat(['send', ...common('cli-codes', 'bob'), '--name', 'Bob'], PASS);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('Give exactly one of --text TEXT, --image FILE, --code FILE[:START[-END]] or --file PATH.');
    const noPass = await runChat(['read', ...common('cli-codes', 'bob')], {});
    expect(noPass.code).toBe(1);
    expect(noPass.stderr).toBe('Set MESSAGE_APP_PASSPHRASE or run in a terminal to be asked for the passphrase.\n');
    const followMissing = await runChat(['follow', ...common('cli-no-such-room', 'bob')], PASS);
    expect(followMissing.code).toBe(4);
    const followDown = await runChat(['follow', '--server', `127.0.0.1:${freePort}`, '--room', 'cli-codes', '--identity', ident('bob'), '--insecure'], PASS);
    expect(followDown.code).toBe(3);
    for (const r of [wrong, down, missing, usage, noPass, followMissing, followDown]) expectOneSentence(r.stderr);
  }, 60_000);

  test('send --image goes through the image pipeline; read prints mime, size, bytes and sha256', async () => {
    const png = await new Jimp({ width: 40, height: 30, color: 0x3366ccff }).getBuffer('image/png');
    const file = join(dir, 'blue.png');
    writeFileSync(file, png);
    const sent = await runChat(['send', ...common('cli-image', 'ada'), '--name', 'Ada', '--image', file], PASS);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const read = await runChat(['read', ...common('cli-image', 'bob')], PASS);
    const line = read.lines[0] ?? {};
    expect(line).toMatchObject({ cid: sent.lines[0]?.cid, kind: 'image', verified: true });
    const image = line.image as { mime: string; w: number; h: number; bytes: number; sha256: string };
    // The pipeline may re-encode an opaque image as JPEG; either is a valid image body.
    expect(['image/png', 'image/jpeg']).toContain(image.mime);
    expect([image.w, image.h]).toEqual([40, 30]);
    expect(image.bytes).toBeGreaterThan(0);
    expect(image.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(line.text).toBeUndefined();
    const notImage = join(dir, 'notes.txt');
    writeFileSync(notImage, 'just text');
    const refused = await runChat(['send', ...common('cli-image', 'ada'), '--name', 'Ada', '--image', notImage], PASS);
    expect(refused.code).toBe(1);
    expectOneSentence(refused.stderr);
  }, 60_000);

  test('two follows talk; the server is killed and restarted mid-conversation; every line arrives exactly once', async () => {
    const ada = new FollowProcess([...common('cli-follow', 'ada'), '--name', 'Ada'], PASS);
    follows.push(ada);
    await ada.waitFor(() => ada.stderr === '' && existsState(ident('ada')), 15_000, 'ada up');
    // Ada's follow creates the room; Bob's waits until it exists.
    await new Promise((r) => setTimeout(r, 1500));
    const bob = new FollowProcess([...common('cli-follow', 'bob'), '--name', 'Bob'], PASS);
    follows.push(bob);
    await new Promise((r) => setTimeout(r, 1500));

    ada.type('ada 1');
    await bob.waitFor((f) => f.texts.includes('ada 1'), 15_000, 'ada 1 at bob');
    bob.type('bob 1');
    await ada.waitFor((f) => f.texts.includes('bob 1'), 15_000, 'bob 1 at ada');

    await server.kill();
    await ada.waitFor((f) => f.stderr.includes('reconnecting'), 15_000, 'ada notices');
    ada.type('ada 2 while down');
    ada.type('ada 3 while down');
    bob.type('bob 2 while down');
    await new Promise((r) => setTimeout(r, 300));
    await server.restart();

    const want = ['ada 1', 'bob 1', 'ada 2 while down', 'ada 3 while down', 'bob 2 while down'];
    for (const f of [ada, bob]) await f.waitFor((p) => want.every((t) => p.texts.includes(t)), 20_000, 'all after restart');
    ada.type('ada 4 after');
    for (const f of [ada, bob]) await f.waitFor((p) => p.texts.includes('ada 4 after'), 10_000, 'after');
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to appear
    for (const f of [ada, bob]) {
      expect([...f.texts].sort()).toEqual([...want, 'ada 4 after'].sort());
      const ids = f.lines.map((l) => Number(l.id));
      expect(new Set(ids).size).toBe(ids.length);
    }
    // Each sender's lines keep their order.
    expect(bob.texts.filter((t) => t.startsWith('ada'))).toEqual(['ada 1', 'ada 2 while down', 'ada 3 while down', 'ada 4 after']);
    expect(ada.stderr).toContain('Reconnected.');
    expect(await ada.stop()).toBe(0);
    expect(await bob.stop()).toBe(0);
    // A fresh follow shows the same conversation once, in server order.
    const check = await runChat(['read', ...common('cli-follow', 'bob')], PASS);
    expect(check.lines.map((l) => l.text).sort()).toEqual([...want, 'ada 4 after'].sort());
  }, 90_000);
});



// `script` (util-linux) gives the CLI a real terminal; Node has no pty of its own.
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('chat CLI on a terminal', () => {
  test.skipIf(!hasScript)('asks for the passphrase without echoing it', async () => {
    await runChat(['send', ...common('cli-tty', 'ada'), '--name', 'Ada', '--text', 'typed at a tty'], PASS);
    const command = [BUN_BINARY, join(REPO_ROOT, 'client/cli/chat.ts'), 'read', ...common('cli-tty', 'bob')].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, MESSAGE_APP_PASSPHRASE: '', XDG_CONFIG_HOME: testConfigHome() } });
    let out = '';
    let typed = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (!typed && out.includes('Passphrase for room "cli-tty": ')) {
        typed = true;
        child.stdin.write('correct horse battery staple\r');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toContain('"text":"typed at a tty"');
    expect(out).not.toContain('correct horse battery staple');
  }, 60_000);
});

describe('chat CLI over TLS', () => {
  test('--ca trusts a self-signed server certificate; without it the error says so', async () => {
    const fixtures = join(import.meta.dir, 'fixtures');
    const tlsServer = await startServer({ args: ['--tls-cert', join(fixtures, 'tls-cert.pem'), '--tls-key', join(fixtures, 'tls-key.pem')] });
    try {
      const args = (who: string): string[] => ['--server', tlsServer.address, '--room', 'cli-tls', '--identity', ident(who), '--tls'];
      // A fresh config folder: no pin, so --ca (a CA that vouches for the certificate) is what lets it in.
      const PASS_TLS = { ...PASS, XDG_CONFIG_HOME: tempDir('message-app-cli-ca-') };
      const sent = await runChat(['send', ...args('ada'), '--ca', join(fixtures, 'tls-cert.pem'), '--name', 'Ada', '--text', 'secure'], PASS_TLS);
      expect(sent.code).toBe(0);
      const read = await runChat(['read', ...args('bob'), '--ca', join(fixtures, 'tls-cert.pem')], PASS_TLS);
      expect(read.lines.map((l) => l.text)).toEqual(['secure']);
      // Without --ca and without a terminal an unknown certificate fails with exit 5, naming its fingerprint.
      const untrusted = await runChat(['read', ...args('bob')], PASS_TLS);
      expect(untrusted.code).toBe(5);
      expect(untrusted.stderr).toStartWith(`The TLS certificate of the server at ${tlsServer.address} is not known (SHA256:`);
      expectOneSentence(untrusted.stderr);
    } finally {
      await tlsServer.stop();
    }
  }, 60_000);
});

function existsState(identityPath: string): boolean {
  try {
    return statSync(identityPath).isFile();
  } catch {
    return false;
  }
}
