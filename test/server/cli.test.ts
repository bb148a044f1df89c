// Starting the server: flags, environment variables, the one listening line, --help, bad flags (exit 2), TLS.

import { afterEach, describe, expect, test } from 'bun:test';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { decodeBody } from '../../protocol/codec';
import { FrameDecoder } from '../../protocol/framing';
import { parseServerFrame } from '../../protocol/frames';
import { DEFAULTS, loadConfig } from '../../server/config';
import { BUN_BINARY, REPO_ROOT, startServer, type TestServer } from '../support/server';

const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.remove()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(BUN_BINARY, ['server/main.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 15_000 });
}

describe('configuration', () => {
  test('defaults match the issue: 0.0.0.0:7443, ./data/chat.db, 16 MiB frames', () => {
    const parsed = loadConfig([], {}, '/srv/app');
    if (parsed.help) throw new Error('help');
    expect(parsed.config.host).toBe('0.0.0.0');
    expect(parsed.config.port).toBe(7443);
    expect(parsed.config.dataFile).toBe('/srv/app/data/chat.db');
    expect(parsed.config.maxFrame).toBe(16 * 1024 * 1024);
    expect(parsed.config.joinTimeoutMs).toBe(DEFAULTS.joinTimeoutSeconds * 1000);
  });

  test('flags win over MESSAGE_APP_* variables, which win over defaults', () => {
    const parsed = loadConfig(['--port', '9000'], { MESSAGE_APP_PORT: '8000', MESSAGE_APP_HOST: '127.0.0.1', MESSAGE_APP_MAX_FRAME: '8192' }, '/x');
    if (parsed.help) throw new Error('help');
    expect(parsed.config).toMatchObject({ host: '127.0.0.1', port: 9000, maxFrame: 8192 });
  });

  test.each([
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--port', '-1'], /--port/],
    [['--max-frame', '12abc'], /--max-frame must be a whole number/],
    [['--max-frame', '1000'], /--max-frame must be a whole number from 4096/],
    [['--sync', 'sometimes'], /--sync must be normal or full/],
    [['--tls-cert', 'a.pem'], /--tls-cert and --tls-key go together/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /positional/i],
  ])('rejects %p with a sentence', (args, message) => {
    expect(() => loadConfig(args, {}, '/')).toThrow(message);
  });

  test('a bad environment variable names the variable', () => {
    expect(() => loadConfig([], { MESSAGE_APP_PORT: 'eighty' }, '/')).toThrow(/MESSAGE_APP_PORT must be a whole number/);
  });
});

describe('the server process', () => {
  test('bad flags: a clear message on stderr, nothing on stdout, exit status 2', () => {
    const result = run(['--port', 'nope']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--port must be a whole number');
    expect(result.stderr).toContain('--help');
    expect(result.stderr).not.toContain('    at '); // no stack trace
  });

  test('--help prints usage with every flag and exits 0', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    for (const flag of ['--host', '--port', '--data', '--max-frame', '--max-connections', '--tls-cert', '--tls-key', 'MESSAGE_APP_PORT']) {
      expect(result.stdout).toContain(flag);
    }
  });

  test('prints exactly one line on stdout saying where it listens and where the data lives; creates the folder', async () => {
    const dir = tempDir('message-app-cli-');
    const dataFile = join(dir, 'deep', 'er', 'chat.db');
    const server = await startServer({ dataFile });
    servers.push(server);
    expect(server.port).toBeGreaterThan(0);
    expect(existsSync(dataFile)).toBe(true);
    await server.stop();
    expect(server.stdout()).toBe(`message-app server listening on 127.0.0.1:${server.port} (tcp), data in ${dataFile}\n`);
    expect(server.exitCode()).toBe(0);
  });

  test('reads its settings from MESSAGE_APP_* variables', async () => {
    const server = await startServer({ env: { MESSAGE_APP_MAX_FRAME: '4096' } });
    servers.push(server);
    const { WireClient } = await import('../support/wire');
    const c = await WireClient.connect(server);
    expect(c.max).toBe(4096);
    c.close();
  });

  test('SIGINT stops it gracefully (exit 0) and folds the WAL into the data file', async () => {
    const dataFile = join(tempDir('message-app-cli-'), 'chat.db');
    const child = spawn(BUN_BINARY, ['server/main.ts', '--host', '127.0.0.1', '--port', '0', '--data', dataFile], { cwd: REPO_ROOT });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.on('data', (text: Buffer) => text.toString().includes('listening on') && resolve()));
    expect(existsSync(`${dataFile}-wal`)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(dataFile)).toBe(true);
    expect(existsSync(`${dataFile}-wal`)).toBe(false);
  });

  test('a port in use is a clear error, exit 1', async () => {
    const server = await startServer();
    servers.push(server);
    const result = run(['--host', '127.0.0.1', '--port', String(server.port), '--data', join(tempDir('message-app-cli-'), 'x.db')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${server.port}`);
  });

  test('serves TLS with --tls-cert and --tls-key', async () => {
    const dir = tempDir('message-app-tls-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
    const server = await startServer({ args: ['--tls-cert', cert, '--tls-key', key] });
    servers.push(server);
    const hello = await new Promise<unknown>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: server.port, ca: [readFileSync(cert, 'utf8')] });
      const decoder = new FrameDecoder(1 << 20);
      socket.on('data', (chunk: Buffer) => {
        const body = decoder.push(chunk).frames[0];
        if (!body) return;
        resolve(parseServerFrame(decodeBody(body)));
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(hello).toMatchObject({ t: 'hello', v: 1 });
    expect(server.stdout()).toContain(`listening on 127.0.0.1:${server.port} (tls)`);
  });
});
