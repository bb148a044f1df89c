// Child processes for the end-to-end suite: bounded one-shot commands, and long-lived services killed as a group at the end.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export class E2eError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'E2eError';
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Stream the command's output to ours (long installs show progress). */
  echo?: boolean;
}

/** Runs a command to completion; rejects with the command's tail of output when it fails or runs past its time. */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    refuseWhenStopping(cmd);
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const services = trackGroup(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.echo) process.stdout.write(d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.echo) process.stderr.write(d);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      services.untrack();
      reject(new E2eError('spawn_failed', `Could not start ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      services.untrack();
      if (timedOut) {
        reject(new E2eError('timeout', `${cmd} ${args.join(' ')} did not finish within ${opts.timeoutMs / 1000} s.\n${tail(stdout + stderr)}`));
      } else if (code !== 0) {
        reject(new E2eError('command_failed', `${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}).\n${tail(stdout + stderr)}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

// Every process we start runs in its own process group (detached), so killing the group also ends
// what it started (code-server's extension hosts, pty host, file watcher; chromium's helpers).
const live = new Set<ChildProcess>();
/** Groups started by others on our behalf (Playwright's Chromium), killed at the end too. */
const groups = new Set<number>();
let stopping = false;

function refuseWhenStopping(what: string): void {
  // A part still starting things while the suite is being torn down would leave orphans.
  if (stopping) throw new E2eError('stopping', `Not starting ${what}: the suite is stopping.`);
}

/** From now on nothing new is started (the suite is being torn down). */
export function beginShutdown(): void {
  stopping = true;
}

/** Adds a process group (by its leader's pid) to those `killAll` ends. */
export function adoptGroup(pid: number): void {
  groups.add(pid);
}

function trackGroup(child: ChildProcess): { untrack(): void } {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { untrack: () => live.delete(child) };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr interleaved), for failure messages. */
  output(): string;
  /** Resolves with the first match of `pattern` in its output, or rejects after `timeoutMs` or when it exits. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM to its group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-lived process in its own group; `stopAll` ends it if the suite does not. */
export function startService(name: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): Service {
  refuseWhenStopping(name);
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  trackGroup(child);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      for (const l of listeners) l();
      resolve();
    });
    child.once('error', (err) => {
      out += `\n[spawn error] ${err.message}`;
      exited = true;
      for (const l of listeners) l();
      resolve();
    });
  });
  return {
    name,
    child,
    output: () => out,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = out.match(pattern);
          if (m) {
            done();
            resolve(m);
          } else if (exited) {
            done();
            reject(new E2eError('service_exited', `${name} exited before printing ${pattern}.\n${tail(out)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new E2eError('timeout', `${name} did not print ${pattern} within ${timeoutMs / 1000} s.\n${tail(out)}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 3000) {
      if (exited) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exitPromise;
      clearTimeout(timer);
      // Children that ignored SIGTERM after their parent left, or were still being spawned.
      killGroup(child, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      killGroup(child, 'SIGKILL');
    },
  };
}

/**
 * Ends every process group we started or adopted (at the end of the suite, also on failure and on
 * signals) and refuses to start new ones from then on.
 */
export function killAll(): void {
  stopping = true;
  for (const child of live) killGroup(child, 'SIGKILL');
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
  groups.clear();
}

/** Runs `fn` but gives up after `ms` with a message saying what did not happen. */
export async function within<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new E2eError('timeout', `${what}: not done within ${ms / 1000} s.`)), ms);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
