// Server TLS by default (issue 11): the --tls flag, the self-signed pair it makes, --fingerprint, and the --tls off warning.

import { afterAll, describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config';
import { certificateFingerprint } from '../../server/tls';
import { BUN_BINARY, REPO_ROOT, startServer, type TestServer } from '../support/server';

const dirs: string[] = [];
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.remove();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'message-app-server-tls-'));
  dirs.push(dir);
  return dir;
}

describe('the --tls flag', () => {
  test('TLS is on by default and off only when asked', () => {
    const on = loadConfig([], {}, '/x');
    const off = loadConfig(['--tls', 'off'], {}, '/x');
    const fromEnv = loadConfig([], { MESSAGE_APP_TLS: 'off' }, '/x');
    if (on.help || off.help || fromEnv.help) throw new Error('help');
    expect(on.config.tls).toBe(true);
    expect(off.config.tls).toBe(false);
    expect(fromEnv.config.tls).toBe(false);
  });

  test.each([
    [['--tls', 'maybe'], /--tls must be on or off/],
    [['--tls', 'off', '--tls-cert', 'a.pem', '--tls-key', 'b.pem'], /contradict/],
    [['--tls', 'off', '--fingerprint'], /--fingerprint needs TLS/],
  ])('rejects %p with a sentence', (args, message) => {
    expect(() => loadConfig(args, {}, '/')).toThrow(message);
  });
});

describe('the self-signed certificate', () => {
  test('--fingerprint prints the fingerprint alone, the same one the listening line shows', async () => {
    const dataFile = join(tempDir(), 'chat.db');
    const printed = spawnSync(BUN_BINARY, ['server/main.ts', '--data', dataFile, '--fingerprint'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 15_000 });
    expect(printed.status).toBe(0);
    expect(printed.stdout).toMatch(/^SHA256:[A-Za-z0-9+/]{43}\n$/);
    const server = await startServer({ dataFile, tls: true });
    servers.push(server);
    expect(`${server.fingerprint}\n`).toBe(printed.stdout);
    expect(server.stdout()).toContain(`(tls), data in ${dataFile}, certificate ${server.fingerprint}`);
    expect(certificateFingerprint(readFileSync(join(dataFile, '..', 'tls-cert.pem'), 'utf8'))).toBe(server.fingerprint ?? '');
  }, 30_000);

  test('--tls off logs that names and timing are visible on the network', async () => {
    const server = await startServer();
    servers.push(server);
    expect(server.stdout()).toContain('(tcp)');
    expect(server.fingerprint).toBeUndefined();
    expect(server.stderr()).toContain('TLS is off');
    expect(server.stderr()).toContain('room names, user timing');
  }, 30_000);
});
