// Shared helpers for the client suites: fast test KDF, clients wired to in-memory
// or file stores, event collectors, the CLI as a child process (raw peers: test/support/wire.ts).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUN_BINARY, REPO_ROOT, startServer, type TestServer } from '../support/server';
import { ChatClient, type ChatClientOptions, type ChatEvent, type RoomItem } from '../../client/chat-client';
import { generateIdentity, type Identity } from '../../client/keys';
import { MemoryOutboxStore, type OutboxStore } from '../../client/storage';

export { TEST_KDF } from '../support/kdf';
import { TEST_KDF } from '../support/kdf';

export function tempDir(prefix = 'message-app-client-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestClient {
  client: ChatClient;
  identity: Identity;
  events: ChatEvent[];
  /** Texts of `message` events for a room, in arrival order. */
  texts(room: string): string[];
  items(room: string): RoomItem[];
  /** Resolves when `predicate` holds for the events so far, or rejects after `ms`. */
  waitFor(predicate: (events: ChatEvent[]) => boolean, ms?: number, what?: string): Promise<void>;
}

export function makeClient(
  address: string,
  name: string,
  extra: Partial<ChatClientOptions> & { outbox?: OutboxStore } = {},
): TestClient {
  const identity = extra.identity ?? generateIdentity();
  const client = new ChatClient({
    address,
    identity,
    name,
    outbox: extra.outbox ?? new MemoryOutboxStore(),
    createKdf: TEST_KDF,
    kdfFloor: TEST_KDF,
    connection: { backoffMinMs: 50, backoffMaxMs: 400, ...extra.connection },
    ...extra,
  });
  return wrap(client, identity);
}

export function wrap(client: ChatClient, identity: Identity): TestClient {
  const events: ChatEvent[] = [];
  const waiters = new Set<() => void>();
  client.onEvent((event) => {
    events.push(event);
    for (const w of [...waiters]) w();
  });
  const items = (room: string): RoomItem[] =>
    events.flatMap((e) => (e.type === 'message' && e.room === room ? [e.item] : []));
  return {
    client,
    identity,
    events,
    items,
    texts: (room) => items(room).flatMap((i) => (i.kind === 'text' ? [i.text] : [])),
    waitFor: (predicate, ms = 10_000, what = 'condition') =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!predicate(events)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; events: ${events.map((e) => e.type).join(',')}`));
        }, ms);
        waiters.add(check);
        check();
      }),
  };
}

/** The test runner's suite hooks (bun:test's beforeAll/afterAll or mocha's before/after); this file imports neither runner. */
export interface SuiteHooks {
  beforeAll(fn: () => Promise<void>): void;
  afterAll(fn: () => Promise<void>): void;
}

export interface SharedServer {
  /** The real server for this file, started before its first test. */
  readonly server: TestServer;
  /** Registers a client to be closed when the file's tests are done; returns it. */
  track(c: TestClient): TestClient;
}

/** One real server per test file, plus closing every tracked client before it stops. */
export function sharedServer(hooks: SuiteHooks): SharedServer {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  hooks.beforeAll(async () => {
    server = await startServer();
  });
  hooks.afterAll(async () => {
    for (const c of clients) c.client.close();
    await server?.stop();
  });
  return {
    get server(): TestServer {
      if (!server) throw new Error('the shared server is used before beforeAll started it');
      return server;
    },
    track: (c) => (clients.push(c), c),
  };
}

// ---- the chat CLI as a child process ----------------------------------------------


const CHAT = join(REPO_ROOT, 'client', 'cli', 'chat.ts');

export interface ChatRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines. */
  lines: Record<string, unknown>[];
}

let cliConfigHome: string | undefined;

/**
 * The config folder CLI runs share unless a test gives its own XDG_CONFIG_HOME: a temporary one,
 * so pins of certificates and room parameters never touch the user's own.
 */
export function testConfigHome(): string {
  cliConfigHome ??= mkdtempSync(join(tmpdir(), 'message-app-cli-config-'));
  return cliConfigHome;
}

function cliEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  // No inherited passphrase or config: each test says what it means.
  const base: NodeJS.ProcessEnv = { ...process.env, MESSAGE_APP_PASSPHRASE: undefined, XDG_CONFIG_HOME: testConfigHome() };
  return { ...base, ...env };
}

/** Runs `chat ARGS` to completion (bounded by `timeoutMs`). */
export function runChat(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 20_000): Promise<ChatRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUN_BINARY, [CHAT, ...args], { cwd: REPO_ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chat ${args[0]} did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, lines: parseLines(stdout) });
    });
  });
}

function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A running `chat follow` with its stdin open for typing. */
export class FollowProcess {
  private stdoutText = '';
  private stderrText = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string | undefined>) {
    this.child = spawn(BUN_BINARY, [CHAT, 'follow', ...args], { cwd: REPO_ROOT, env: cliEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (t: string) => (this.stdoutText += t));
    this.child.stderr.setEncoding('utf8').on('data', (t: string) => (this.stderrText += t));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  get lines(): Record<string, unknown>[] {
    return parseLines(this.stdoutText.slice(0, this.stdoutText.lastIndexOf('\n') + 1));
  }

  get texts(): string[] {
    return this.lines.map((l) => String(l.text ?? l.error));
  }

  get stderr(): string {
    return this.stderrText;
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async waitFor(predicate: (f: FollowProcess) => boolean, ms = 15_000, what = 'output'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      if (Date.now() > deadline) throw new Error(`follow: timed out waiting for ${what}; stdout:\n${this.stdoutText}\nstderr:\n${this.stderrText}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Waits for it to end by itself: its exit code, or 'running' when it has not ended after `ms`. */
  async exitWithin(ms: number): Promise<number | null | 'running'> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), ms)));
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Interrupts it like Ctrl-C and returns the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
