// Issue 11 against the real server: TLS trust on first use and pinning (exit 5), a CA-valid certificate,
// plaintext refused without --insecure, room-parameter pins (exit 6), passphrase strength for new rooms,
// invisible and look-alike names, and a replayed message, all through real `chat` processes.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from 'selfsigned';
import { certificateFingerprint } from '../../server/tls';
import { spawn, spawnSync } from 'node:child_process';
import { loadOrCreateIdentity } from '../../client/cli/identity-file';
import { DEFAULT_KDF } from '../../client/keys';
import { BUN_BINARY, REPO_ROOT, startServer, type TestServer } from '../support/server';
import { FollowProcess, makeClient, runChat, tempDir } from './helpers';

const STRONG = { MESSAGE_APP_PASSPHRASE: 'mutable crust plywood tripod gravel unfilled' };
let dir: string;

beforeAll(() => {
  dir = tempDir('message-app-trust-');
});

/** A config folder of its own: its known-servers and room-params files start empty. */
function freshConfig(): { XDG_CONFIG_HOME: string } {
  return { XDG_CONFIG_HOME: tempDir('message-app-trust-config-') };
}

function knownServers(config: { XDG_CONFIG_HOME: string }): Record<string, string> {
  return JSON.parse(readFileSync(join(config.XDG_CONFIG_HOME, 'message-app', 'known-servers.json'), 'utf8')) as Record<string, string>;
}

const ident = (who: string): string => join(dir, `${who}.json`);

describe('server TLS by default', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ tls: true });
  }, 30_000);
  afterAll(async () => {
    await server.remove();
  });

  test('the first start makes a self-signed pair in the data folder, mode 0600, and prints its fingerprint', async () => {
    const folder = dirname(server.dataFile);
    for (const file of ['tls-cert.pem', 'tls-key.pem']) expect(statSync(join(folder, file)).mode & 0o777).toBe(0o600);
    const fingerprint = certificateFingerprint(readFileSync(join(folder, 'tls-cert.pem'), 'utf8'));
    expect(server.fingerprint).toBe(fingerprint);
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    await server.restart();
    expect(server.fingerprint).toBe(fingerprint);
  }, 30_000);

  test('first use: unknown certificate fails (exit 5) without a terminal; a wrong --trust fails; the right one pins', async () => {
    const config = freshConfig();
    const args = ['--server', server.address, '--room', 'tofu', '--identity', ident('ada')];
    const unknown = await runChat(['send', ...args, '--name', 'Ada', '--text', 'first'], { ...STRONG, ...config });
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain(`is not known (${server.fingerprint})`);
    expect(unknown.stderr).toContain(`--trust ${server.fingerprint}`);

    const wrongPin = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const wrong = await runChat(['send', ...args, '--name', 'Ada', '--text', 'first', '--trust', wrongPin], { ...STRONG, ...config });
    expect(wrong.code).toBe(5);

    const ok = await runChat(['send', ...args, '--name', 'Ada', '--text', 'first', '--trust', server.fingerprint ?? ''], { ...STRONG, ...config });
    expect(ok.code).toBe(0);
    expect(knownServers(config)).toEqual({ [server.address]: server.fingerprint ?? '' });
    expect(statSync(join(config.XDG_CONFIG_HOME, 'message-app', 'known-servers.json')).mode & 0o777).toBe(0o600);

    // Pinned: no --trust needed any more.
    const again = await runChat(['read', ...args], { ...STRONG, ...config });
    expect(again.code).toBe(0);
    expect(again.lines.map((l) => l.text)).toEqual(['first']);
  }, 60_000);

  test('the client core connects with a pin that matches and fails fatally on one that does not', async () => {
    const good = makeClient(server.address, 'Ada', { tls: { pin: server.fingerprint ?? '' } });
    await good.client.connect();
    expect(good.client.state).not.toBe('closed');
    good.client.close();
    const bad = makeClient(server.address, 'Ada', { tls: { pin: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    await expect(bad.client.connect()).rejects.toMatchObject({ code: 'certificate_changed' });
    bad.client.close();
  }, 30_000);

  test('an invite fills in server, room and fingerprint and pins without a prompt', async () => {
    const config = freshConfig();
    const invite = `message-app://${server.address}/tofu#${server.fingerprint}`;
    const read = await runChat(['read', '--invite', invite, '--identity', ident('bob')], { ...STRONG, ...config });
    expect(read.stderr).toContain('Pinned the certificate');
    expect(read.code).toBe(0);
    expect(read.lines.map((l) => l.text)).toEqual(['first']);
    expect(knownServers(config)[server.address]).toBe(server.fingerprint ?? '');
    const bad = await runChat(['read', '--invite', `message-app://${server.address}/tofu#SHA256:nope`, '--identity', ident('bob')], { ...STRONG, ...config });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('not a Message App invite');
  }, 60_000);

  // `script` (util-linux) gives the CLI a real terminal; Node has no pty of its own.
  test.skipIf(spawnSync('script', ['--version']).status !== 0)('on a terminal, first use asks with the fingerprint and pins on "yes"', async () => {
    const config = freshConfig();
    const command = [BUN_BINARY, join(REPO_ROOT, 'client/cli/chat.ts'), 'read', '--server', server.address, '--room', 'tofu', '--identity', ident('dan')]
      .map((a) => `'${a}'`)
      .join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...STRONG, ...config } });
    let out = '';
    let answered = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (!answered && out.includes('(yes/no)? ')) {
        answered = true;
        child.stdin.write('yes\r');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(out).toContain(`The authenticity of the chat server at ${server.address} can't be established.`);
    expect(out).toContain(`Its TLS certificate fingerprint is ${server.fingerprint}.`);
    expect(code).toBe(0);
    expect(out).toContain('"text":"first"');
    expect(knownServers(config)[server.address]).toBe(server.fingerprint ?? '');
  }, 30_000);

  test('a changed certificate is a hard failure naming both fingerprints (exit 5) until `chat trust` pins the new one', async () => {
    const config = freshConfig();
    const args = ['--server', server.address, '--room', 'tofu', '--identity', ident('ada')];
    const old = server.fingerprint ?? '';
    expect((await runChat(['read', ...args, '--trust', old], { ...STRONG, ...config })).code).toBe(0);
    // The server gets a new certificate (its pair is removed and made again on restart).
    await server.stop();
    const folder = dirname(server.dataFile);
    rmSync(join(folder, 'tls-cert.pem'));
    rmSync(join(folder, 'tls-key.pem'));
    await server.restart();
    const fresh = server.fingerprint ?? '';
    expect(fresh).not.toBe(old);

    const changed = await runChat(['read', ...args], { ...STRONG, ...config });
    expect(changed.code).toBe(5);
    expect(changed.stderr).toContain('has CHANGED');
    expect(changed.stderr).toContain(old);
    expect(changed.stderr).toContain(fresh);
    expect(changed.stderr).toContain(`chat trust --server ${server.address} --trust ${fresh}`);
    expect(changed.stdout).toBe('');
    // --trust on a normal command does not replace a pin: only `chat trust` does, on purpose.
    expect((await runChat(['read', ...args, '--trust', fresh], { ...STRONG, ...config })).code).toBe(5);

    const trusted = await runChat(['trust', '--server', server.address, '--trust', fresh], config);
    expect(trusted.code).toBe(0);
    expect(trusted.stderr).toContain(`replacing ${old}`);
    expect(knownServers(config)[server.address]).toBe(fresh);
    expect((await runChat(['read', ...args], { ...STRONG, ...config })).code).toBe(0);
  }, 90_000);
});

describe('a certificate that changes while following', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ tls: true });
  }, 30_000);
  afterAll(async () => {
    await server.remove();
  });

  test('follow ends with exit 5 when the reconnect meets another certificate', async () => {
    const config = freshConfig();
    const old = server.fingerprint ?? '';
    const follow = new FollowProcess(['--server', server.address, '--room', 'watch', '--identity', ident('ada'), '--name', 'Ada', '--trust', old], {
      ...STRONG,
      ...config,
    });
    try {
      await follow.waitFor((f) => f.stderr.includes('Pinned the certificate'), 15_000, 'pinned');
      follow.type('before');
      await follow.waitFor((f) => f.texts.includes('before'), 15_000, 'first message');
      await server.stop();
      const folder = dirname(server.dataFile);
      rmSync(join(folder, 'tls-cert.pem'));
      rmSync(join(folder, 'tls-key.pem'));
      await server.restart();
      expect(await follow.exitWithin(20_000)).toBe(5);
      expect(follow.stderr).toContain('has CHANGED');
      expect(follow.stderr).toContain(server.fingerprint ?? 'missing');
    } finally {
      await follow.stop();
    }
  }, 60_000);
});

describe('a certificate a CA vouches for', () => {
  let server: TestServer;
  let caFile: string;
  let leafFingerprint: string;
  beforeAll(async () => {
    // A throwaway CA and a leaf for 127.0.0.1 signed by it; the client gets the CA with --ca,
    // which node:tls adds to what it verifies against (standing in for the system's CAs).
    const ca = await generate([{ name: 'commonName', value: 'message-app test CA' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    });
    const leaf = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
      ],
    });
    caFile = join(dir, 'ca.pem');
    const certFile = join(dir, 'leaf.pem');
    const keyFile = join(dir, 'leaf-key.pem');
    writeFileSync(caFile, ca.cert);
    writeFileSync(certFile, leaf.cert);
    writeFileSync(keyFile, leaf.private, { mode: 0o600 });
    leafFingerprint = certificateFingerprint(leaf.cert);
    server = await startServer({ args: ['--tls-cert', certFile, '--tls-key', keyFile] });
  }, 30_000);
  afterAll(async () => {
    await server.remove();
  });

  test('is accepted without a prompt and without a pin', async () => {
    const config = freshConfig();
    expect(server.fingerprint).toBe(leafFingerprint);
    const args = ['--server', server.address, '--room', 'ca-room', '--identity', ident('ada'), '--ca', caFile];
    const sent = await runChat(['send', ...args, '--name', 'Ada', '--text', 'vouched'], { ...STRONG, ...config });
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(() => knownServers(config)).toThrow();
  }, 60_000);

  test('never overrides a pin: a CA-valid certificate that differs from the pin fails (exit 5)', async () => {
    const config = freshConfig();
    const other = 'SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
    mkdirSync(join(config.XDG_CONFIG_HOME, 'message-app'), { recursive: true });
    writeFileSync(join(config.XDG_CONFIG_HOME, 'message-app', 'known-servers.json'), JSON.stringify({ [server.address]: other }));
    const read = await runChat(['read', '--server', server.address, '--room', 'ca-room', '--identity', ident('bob'), '--ca', caFile], {
      ...STRONG,
      ...config,
    });
    expect(read.code).toBe(5);
    expect(read.stderr).toContain('has CHANGED');
    expect(read.stderr).toContain(leafFingerprint);
  }, 60_000);
});

describe('plaintext, room parameters, passphrases, names and replays', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(); // --tls off
  }, 30_000);
  afterAll(async () => {
    await server.remove();
  });
  const plain = (room: string, who: string): string[] => ['--server', server.address, '--room', room, '--identity', ident(who), '--insecure'];

  test('plaintext is refused without --insecure (exit 5), with a sentence that names the flag', async () => {
    const r = await runChat(['read', '--server', server.address, '--room', 'plain', '--identity', ident('ada')], { ...STRONG, ...freshConfig() });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('did not answer with TLS');
    expect(r.stderr).toContain('--insecure');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  test('a new room needs a strong passphrase (exit 1, nothing created); joining accepts what the room has', async () => {
    const config = freshConfig();
    const weak = await runChat(['send', ...plain('weak-room', 'ada'), '--name', 'Ada', '--text', 'x'], { MESSAGE_APP_PASSPHRASE: 'waffles', ...config });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('too easy to guess for a new room');
    const missing = await runChat(['read', ...plain('weak-room', 'ada')], { MESSAGE_APP_PASSPHRASE: 'waffles', ...config });
    expect(missing.code).toBe(4);
    const strong = await runChat(['send', ...plain('weak-room', 'ada'), '--name', 'Ada', '--text', 'x'], { ...STRONG, ...config });
    expect(strong.code).toBe(0);
    // A room made before this change (by a client that checked nothing) with a weak passphrase still opens.
    const old = makeClient(server.address, 'Old', { createKdf: DEFAULT_KDF, kdfFloor: DEFAULT_KDF });
    await old.client.connect();
    await old.client.joinRoom('old-weak-room', 'waffles', { create: true });
    old.client.close();
    const joined = await runChat(['read', ...plain('old-weak-room', 'bob')], { MESSAGE_APP_PASSPHRASE: 'waffles', ...config });
    expect(joined.stderr).toBe('');
    expect(joined.code).toBe(0);
    // `chat passphrase` prints six words (plain text, for people).
    const generated = spawnSync(BUN_BINARY, [join(REPO_ROOT, 'client/cli/chat.ts'), 'passphrase'], { encoding: 'utf8' });
    expect(generated.status).toBe(0);
    expect(generated.stdout.trim().split(' ')).toHaveLength(6);
  }, 60_000);

  test('a server that swaps the salt and lowers N is refused (exit 6) until forget-room', async () => {
    const config = freshConfig();
    const sent = await runChat(['send', ...plain('pinned-room', 'ada'), '--name', 'Ada', '--text', 'x'], { ...STRONG, ...config });
    expect(sent.code).toBe(0);
    await server.stop();
    const db = new Database(server.dataFile);
    db.run("UPDATE rooms SET salt = randomblob(16), kdf_n = 32768 WHERE name = 'pinned-room'");
    db.close();
    await server.restart();
    const swapped = await runChat(['read', ...plain('pinned-room', 'ada')], { ...STRONG, ...config });
    expect(swapped.code).toBe(6);
    expect(swapped.stderr).toContain('changed the key parameters of room "pinned-room"');
    expect(swapped.stderr).toContain('N 131072 -> 32768');
    const forgot = await runChat(['forget-room', '--server', server.address, '--room', 'pinned-room'], config);
    expect(forgot.code).toBe(0);
    // Without the pin the new parameters are tried; the stored proof key no longer matches them.
    const after = await runChat(['read', ...plain('pinned-room', 'ada')], { ...STRONG, ...config });
    expect(after.code).toBe(2);
  }, 90_000);

  test('names with invisible or bidi characters are refused at send; a look-alike name is never verified', async () => {
    const config = freshConfig();
    for (const name of ['Ada\u200B', '\u202EadA', 'Ada\u00A0L']) {
      const r = await runChat(['send', ...plain('names', 'ada'), '--name', name, '--text', 'x'], { ...STRONG, ...config });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('may not contain invisible or text-direction characters');
    }
    expect((await runChat(['send', ...plain('names', 'ada'), '--name', 'Ada', '--text', 'real'], { ...STRONG, ...config })).code).toBe(0);
    // Cyrillic capital A (U+0410): another key under a name that looks like "Ada".
    expect((await runChat(['send', ...plain('names', 'eve'), '--name', '\u0410da', '--text', 'fake'], { ...STRONG, ...config })).code).toBe(0);
    // An older client could still send an invisible character: the core under a name it did not check.
    // Ada's own key: only the invisible character keeps it from being verified.
    const sneaky = makeClient(server.address, 'Ada', { identity: await loadOrCreateIdentity(ident('ada')), createKdf: DEFAULT_KDF, kdfFloor: DEFAULT_KDF });
    await sneaky.client.connect();
    await sneaky.client.joinRoom('names', STRONG.MESSAGE_APP_PASSPHRASE);
    (sneaky.client as unknown as { name: string }).name = 'Ada\u200B'; // what setName now refuses
    await sneaky.client.sendText('names', 'sneaky');
    await sneaky.waitFor((events) => events.some((e) => e.type === 'acked'), 10_000, 'sneaky acked');
    sneaky.client.close();
    const read = await runChat(['read', ...plain('names', 'carol')], { ...STRONG, ...config });
    expect(read.lines.map((l) => [l.text, (l.from as { name: string }).name, l.verified])).toEqual([
      ['real', 'Ada', true],
      ['fake', '\u0410da', false],
      ['sneaky', 'Ada\\u{200B}', false],
    ]);
  }, 90_000);

  test('a message replayed under a new id is dropped by a reader who saw it, across restarts', async () => {
    const config = freshConfig();
    const sent = await runChat(['send', ...plain('replays', 'ada'), '--name', 'Ada', '--text', 'pay Bob 5'], { ...STRONG, ...config });
    expect(sent.code).toBe(0);
    const id = Number(sent.lines[0]?.id);
    const first = await runChat(['read', ...plain('replays', 'bob')], { ...STRONG, ...config });
    expect(first.lines.map((l) => l.text)).toEqual(['pay Bob 5']);
    // The server moves the stored message to a new id, as a replay of the same signed bytes.
    await server.stop();
    const db = new Database(server.dataFile);
    db.run('UPDATE messages SET id = ? WHERE id = ?', [id + 1000, id]);
    db.close();
    await server.restart();
    const second = await runChat(['read', ...plain('replays', 'bob')], { ...STRONG, ...config });
    expect(second.code).toBe(0);
    expect(second.lines).toHaveLength(1);
    expect(second.lines[0]).toMatchObject({ id: id + 1000, error: 'cid_mismatch' });
    expect(second.lines[0]?.text).toBeUndefined();
    // A reader who never saw it has nothing to compare with: it shows (the limit of a memory).
    const newcomer = await runChat(['read', ...plain('replays', 'carol')], { ...STRONG, ...config });
    expect(newcomer.lines.map((l) => l.text)).toEqual(['pay Bob 5']);
  }, 90_000);
});
