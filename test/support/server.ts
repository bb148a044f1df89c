// Starts the real server (bun server/main.ts) as a child process for tests, from bun:test or from mocha on Node.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StartServerOptions {
  /** SQLite file; default: chat.db in a new temporary folder, removed when the test process exits. */
  dataFile?: string;
  /**
   * Extra flags, e.g. ['--max-frame', '4096']. --host, --port and --data are set here, and
   * `--tls off` unless `tls` is true or the flags name --tls or --tls-cert themselves.
   */
  args?: string[];
  /** Serve TLS (the server's default, with a self-signed certificate in the data folder). */
  tls?: boolean;
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
  /** How long to wait for the listening line (default 15 s). */
  startTimeoutMs?: number;
}

export interface TestServer {
  host: string;
  port: number;
  /** "127.0.0.1:PORT" */
  address: string;
  dataFile: string;
  /** The certificate fingerprint from the listening line, when serving TLS. */
  fingerprint: string | undefined;
  /** Graceful stop (SIGTERM); resolves once the process has exited. */
  stop(): Promise<void>;
  /** Hard kill (SIGKILL), like a crash or power cut of the process. */
  kill(): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Everything the server wrote to stderr so far (its logs). */
  stderr(): string;
  /** What the server wrote to stdout so far: the one listening line per run. */
  stdout(): string;
  /**
   * Stops the server (SIGTERM) and deletes its data folder if startServer made it
   * (a dataFile passed in is left alone). Call it in afterAll: bun test does not
   * run exit hooks, and some suites write tens of MB.
   */
  remove(): Promise<void>;
  /** Exit code of the last run, or null while running (or if killed by a signal). */
  exitCode(): number | null;
}

const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');
export const BUN_BINARY = join(REPO_ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'bun.exe' : 'bun');
const SERVER_MAIN = join(REPO_ROOT, 'server', 'main.ts');
const LISTENING = /^message-app server listening on (.+):(\d+) \((tcp|tls)\), data in (.+?)(?:, certificate (SHA256:\S+))?$/m;

/**
 * Test-only server variables (server/config.ts): rooms may use scrypt N down to
 * 1024, so suites derive keys fast (a real server refuses below 2^15). A test
 * sets it to '' to see the real floor. (The other one, MESSAGE_APP_TEST_FREE_BYTES_FILE,
 * names a file whose number replaces the volume's free bytes; tests pass it in `env`.)
 */
const TEST_ENV: Record<string, string> = { MESSAGE_APP_TEST_KDF_FLOOR: '1024' };

/** Children still running, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
/** Temporary data folders made here, removed when the test process exits. */
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function tempDataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'message-app-server-'));
  tempDirs.add(dir);
  return join(dir, 'chat.db');
}

export async function startServer(opts: StartServerOptions = {}): Promise<TestServer> {
  installExitHook();
  const dataFile = opts.dataFile ?? tempDataFile();
  const host = '127.0.0.1';
  let port = 0;
  let fingerprint: string | undefined;
  // Most tests speak plaintext to the server; TLS tests ask for it (see StartServerOptions.args).
  const extra = opts.args ?? [];
  const tlsArgs = opts.tls === true || extra.includes('--tls') || extra.includes('--tls-cert') ? [] : ['--tls', 'off'];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let lastExitCode: number | null = null;
  let errText = '';
  let outAll = '';

  const launch = async (wantedPort: number): Promise<void> => {
    const proc = spawn(
      BUN_BINARY,
      [SERVER_MAIN, '--host', host, '--port', String(wantedPort), '--data', dataFile, ...tlsArgs, ...extra],
      { cwd: REPO_ROOT, env: { ...process.env, ...TEST_ENV, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    live.add(proc);
    lastExitCode = null;
    exited = new Promise<void>((resolveExit) => {
      proc.once('exit', (code) => {
        live.delete(proc);
        lastExitCode = code;
        resolveExit();
      });
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      errText += text;
    });
    proc.stdout?.setEncoding('utf8');
    let outText = '';
    const timeoutMs = opts.startTimeoutMs ?? 15_000;
    await new Promise<void>((resolveStart, rejectStart) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        rejectStart(new Error(`server did not start within ${timeoutMs} ms; stderr:\n${errText}`));
      }, timeoutMs);
      const onData = (text: string): void => {
        outText += text;
        const match = LISTENING.exec(outText);
        if (!match) return;
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        proc.off('exit', onExit);
        port = Number(match[2]);
        fingerprint = match[5];
        resolveStart();
      };
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        rejectStart(new Error(`server exited with ${code} before listening; stderr:\n${errText}`));
      };
      proc.stdout?.on('data', onData);
      proc.once('exit', onExit);
    });
    outAll += outText;
    // Keep draining stdout so the child never blocks on a full pipe.
    proc.stdout?.on('data', (text: string) => {
      outAll += text;
    });
  };

  const signal = async (name: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return exited;
    proc.kill(name);
    await exited;
  };

  await launch(0);

  const server: TestServer = {
    host,
    get port() {
      return port;
    },
    get address() {
      return `${host}:${port}`;
    },
    dataFile,
    get fingerprint() {
      return fingerprint;
    },
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    restart: async () => {
      await signal('SIGTERM');
      await launch(port);
    },
    remove: async () => {
      await signal('SIGTERM');
      if (opts.dataFile === undefined) {
        const dir = dirname(dataFile);
        rmSync(dir, { recursive: true, force: true });
        tempDirs.delete(dir);
      }
    },
    stderr: () => errText,
    stdout: () => outAll,
    exitCode: () => lastExitCode,
  };
  return server;
}
