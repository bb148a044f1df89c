// Benchmark (npm run bench:files): a file up and down through the real server on loopback with the real CLI (`chat send --file`, `chat fetch`, each its own process), beside a plain copy of the same bytes over one loopback TCP socket; prints MB/s and peak RSS.

import type { Subprocess } from 'bun';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_FILE_CHUNK } from '../client/files/stream-crypto';
import { fileSha256 } from '../client/files/transfer';

const ROOT = resolve(import.meta.dir, '..');
const CHAT = join(ROOT, 'client/cli/chat.ts');
const { values: flags } = parseArgs({
  options: {
    mb: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  process.stdout.write(`Usage: npm run bench:files [-- --mb N] [--rounds R]
Uploads an N MiB file (default 1024) with \`chat send --file\` and downloads it with
\`chat fetch\` (the real CLI, one process each) through the real server on loopback,
then copies the same file over one plain loopback TCP socket, R times (default 3);
prints MiB/s, CPU time and peak RSS of each round, and the medians.\n`);
  process.exit(0);
}
const MIB = 1024 * 1024;
const SIZE = Math.max(1, Number(flags.mb)) * MIB;
const ROUNDS = Math.max(1, Math.floor(Number(flags.rounds)));
const dir = mkdtempSync(join(tmpdir(), 'message-app-bench-files-'));
const ROOM = 'bench-files';
/** How often the receiving side's file is looked at to time a transfer (its bytes, not the command's start-up): within 1% of a transfer of seconds, and little CPU taken from the processes measured. */
const POLL_MS = 20;

/** Peak resident memory of a running process so far (the kernel's high-water mark). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc (fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServer(): Promise<{ proc: Subprocess<'ignore', 'pipe', 'pipe'>; port: number; blobs: string }> {
  // Plain TCP: the bench measures the blob path, and its sockets speak no TLS (the server's default).
  const data = join(dir, 'server', 'chat.db');
  mkdirSync(join(dir, 'server'), { mode: 0o700 });
  const args = [process.execPath, join(ROOT, 'server/main.ts'), '--host', '127.0.0.1', '--port', '0', '--data', data, '--rate', '1000000', '--burst', '1000000', '--tls', 'off'];
  const proc = Bun.spawn(args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const reader = proc.stdout.getReader();
  let text = '';
  const deadline = Date.now() + 15_000;
  try {
    while (!/listening on [^:]+:(\d+)/.test(text)) {
      if (Date.now() > deadline) throw new Error('the server did not start');
      const { value, done } = await reader.read();
      if (done) throw new Error(`the server exited: ${await new Response(proc.stderr).text()}`);
      text += new TextDecoder().decode(value);
    }
  } catch (error) {
    proc.kill(); // never leave a server behind
    throw error;
  }
  // Keep reading its log so a full pipe never blocks it.
  void (async () => {
    while (!(await reader.read()).done);
  })();
  void new Response(proc.stderr).text();
  return { proc, port: Number(/listening on [^:]+:(\d+)/.exec(text)?.[1]), blobs: `${data}.blobs` };
}

interface Run {
  /** Transfer time: from the first bytes on the receiving side to the complete file, found by polling. */
  seconds: number;
  /** Bytes that arrived within `seconds`. */
  bytes: number;
  /** The whole command: start-up, key derivation, join, (for send) the SHA-256 pass, the transfer. */
  wall: number;
  /** The CLI process's peak RSS (getrusage of the exited child). */
  peakMb: number;
  /** CPU seconds of the whole CLI process. */
  cpu: number;
  /** CPU seconds the server used meanwhile. */
  serverCpu: number;
  stdout: string;
}

/**
 * Runs `chat ARGS` to completion and times its transfer by watching the
 * receiving side: `progress()` returns the bytes that arrived so far, or
 * 'done' once the file is complete (polled every POLL_MS).
 */
async function chat(args: string[], progress: () => number | 'done', serverPid: number, transfer = true): Promise<Run> {
  const serverBefore = cpuSeconds(serverPid);
  const started = performance.now();
  const proc = Bun.spawn([process.execPath, CHAT, ...args], {
    cwd: ROOT,
    env: { ...process.env, MESSAGE_APP_PASSPHRASE: 'bench passphrase for files', XDG_CONFIG_HOME: join(dir, 'config') },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let first: { at: number; bytes: number } | undefined;
  let end: number | undefined;
  const poll = (): void => {
    if (end !== undefined) return;
    const now = performance.now();
    const seen = progress();
    if (seen === 'done') end = now;
    else if (first === undefined && seen > 0) first = { at: now, bytes: seen };
  };
  const timer = setInterval(poll, POLL_MS);
  const exited = proc.exited.then((code) => {
    // The command may finish between two polls: its exit is then the end.
    poll();
    return code;
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), exited]);
  clearInterval(timer);
  const wall = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`chat ${args[0]} exited with ${code}: ${stderr.trim()}`);
  if (transfer && (first === undefined || end === undefined)) throw new Error(`chat ${args[0]}: the transfer was not seen (polling every ${POLL_MS} ms)`);
  const usage = proc.resourceUsage();
  if (!usage) throw new Error('no resource usage for the CLI process');
  return {
    seconds: first === undefined || end === undefined ? NaN : (end - first.at) / 1000,
    bytes: SIZE - (first?.bytes ?? 0),
    wall,
    peakMb: usage.maxRSS / MIB,
    cpu: Number(usage.cpuTime.total) / 1e6,
    serverCpu: cpuSeconds(serverPid) - serverBefore,
    stdout,
  };
}

/** Size of a file, 0 if it is not there (yet, or any more). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Every file name under the server's blob folder (section 9.4: <data>.blobs/<room id>/<blob>[.part|.sums|.meta]). */
function blobFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((room) => readdirSync(join(root, room)).map((name) => join(root, room, name)));
}

/** The baseline: the same file read, sent over one loopback TCP socket and written to disk, with Node streams. */
async function plainCopy(source: string, target: string): Promise<{ seconds: number; cpu: number }> {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const server = createServer();
  const received = new Promise<void>((done, fail) => {
    server.on('connection', (socket) => {
      pipeline(socket, createWriteStream(target)).then(done, fail);
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const socket = connect({ host: '127.0.0.1', port: address.port });
  await pipeline(createReadStream(source, { highWaterMark: MIB }), socket);
  await received;
  server.close();
  const cpu = process.cpuUsage(cpuBefore);
  return { seconds: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

function writeSource(path: string): void {
  // Random 1 MiB blocks, each used once per 64 MiB: enough entropy that nothing compresses, quick to make.
  const blocks = Array.from({ length: 64 }, () => randomBytes(MIB));
  const fd = openSync(path, 'w');
  for (let at = 0, k = 0; at < SIZE; at += MIB, k++) {
    const block = blocks[k % blocks.length] as Buffer;
    writeSync(fd, block, 0, Math.min(MIB, SIZE - at));
  }
  closeSync(fd);
}

interface Row {
  up: Run;
  down: Run;
  copy: { seconds: number; cpu: number };
  serverPeak: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

async function main(): Promise<void> {
  const source = join(dir, 'source.bin');
  writeSource(source);
  const sha256 = Buffer.from(await fileSha256(source)).toString('hex');
  const { proc, port, blobs } = await startServer();
  try {
    const common = (who: string): string[] => ['--server', `127.0.0.1:${port}`, '--room', ROOM, '--identity', join(dir, `${who}.json`), '--insecure'];
    const mbps = (bytes: number, s: number): number => bytes / MIB / s;
    const perGib = (cpu: number): string => ((cpu * 1024 * MIB) / SIZE).toFixed(1);
    const rows: Row[] = [];
    process.stdout.write(
      `file of ${SIZE / MIB} MiB, chunk ${DEFAULT_FILE_CHUNK / MIB} MiB, server --sync normal, loopback, ${ROUNDS} rounds, load ${loadAverage()}\n` +
        'client = the CLI process (chat send --file / chat fetch); MiB/s over the transfer (first bytes to complete file on the receiving side),\n' +
        'command s = the whole command (start-up, key derivation, join, and for send the SHA-256 pass); CPU in seconds per GiB, whole processes\n',
    );
    // Each identity's first join derives the room key with scrypt (128 MiB by design) and
    // keeps the keys in its state folder; done here, so the rounds measure file transfers.
    const none = (): 'done' => 'done';
    const created = await chat(['send', ...common('alice'), '--name', 'Alice', '--text', 'files bench'], none, proc.pid, false);
    const joinedBob = await chat(['read', ...common('bob')], none, proc.pid, false);
    process.stdout.write(
      `first join of each CLI (scrypt N=2^17 r=8, before the rounds): peak RSS ${created.peakMb.toFixed(0)} MB (create, send a text), ${joinedBob.peakMb.toFixed(0)} MB (join, read); server peak RSS so far ${peakRssMb(proc.pid).toFixed(0)} MB\n`,
    );
    const head = ['MiB/s', 'command s', 'client peak RSS MB', 'server peak RSS MB', 'client CPU', 'server CPU'];
    process.stdout.write(`${'round path'.padEnd(52)} ${head.map((h) => h.padStart(h.length)).join('  ')}\n`);
    const line = (round: number, name: string, cells: string[]): void => {
      process.stdout.write(`${`${round}     ${name}`.padEnd(52)} ${cells.map((c, i) => c.padStart(head[i]?.length ?? 0)).join('  ')}\n`);
    };
    for (let round = 1; round <= ROUNDS; round++) {
      // A new blob each round (the CLI forgets an upload once its message is queued).
      const known = new Set(blobFiles(blobs));
      let part: string | undefined;
      const up = await chat(
        ['send', ...common('alice'), '--name', 'Alice', '--file', source],
        () => {
          part ??= blobFiles(blobs).find((f) => f.endsWith('.part') && !known.has(f));
          if (part === undefined) return 0;
          return existsSync(part.slice(0, -'.part'.length)) ? 'done' : sizeOf(part);
        },
        proc.pid,
      );
      const sent = JSON.parse(up.stdout.trim().split('\n').pop() ?? '{}') as { id?: number; file?: { sha256?: string } };
      if (sent.file?.sha256 !== sha256 || typeof sent.id !== 'number') throw new Error(`chat send printed ${up.stdout}`);
      const out = join(dir, 'saved.bin');
      const down = await chat(['fetch', ...common('bob'), '--id', String(sent.id), '--out', out], () => (existsSync(out) ? 'done' : sizeOf(`${out}.part`)), proc.pid);
      if (statSync(out).size !== SIZE) throw new Error('the downloaded file has the wrong size');
      rmSync(out);
      const copyPath = join(dir, 'copy.bin');
      const copy = await plainCopy(source, copyPath);
      rmSync(copyPath);
      // Every round starts with the same files on disk: on this VM, writing a new file
      // into memory the page cache never used before costs several times the system time
      // of reusing pages a deleted file freed (a later round's download ran at half speed
      // with the earlier rounds' blobs kept). Deleting the message erases its blob.
      await chat(['delete', ...common('alice'), '--id', String(sent.id)], none, proc.pid, false);
      if (existsSync(part?.slice(0, -'.part'.length) ?? '')) throw new Error('chat delete left the blob behind');
      const serverPeak = peakRssMb(proc.pid);
      rows.push({ up, down, copy, serverPeak });
      for (const [name, run] of [['upload: chat send --file', up], ['download: chat fetch', down]] as const) {
        line(round, name, [mbps(run.bytes, run.seconds).toFixed(0), run.wall.toFixed(1), run.peakMb.toFixed(0), serverPeak.toFixed(0), perGib(run.cpu), perGib(run.serverCpu)]);
      }
      line(round, 'plain copy over one loopback TCP socket', [mbps(SIZE, copy.seconds).toFixed(0), '-', '-', '-', perGib(copy.cpu), '-']);
    }
    // Medians, because the machine is shared: one round can stall on someone else's work.
    const summary = (name: string, values: number[]): string =>
      `${name} median ${median(values).toFixed(0)} MiB/s (${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)})`;
    const up = rows.map((row) => mbps(row.up.bytes, row.up.seconds));
    const down = rows.map((row) => mbps(row.down.bytes, row.down.seconds));
    const copy = rows.map((row) => mbps(SIZE, row.copy.seconds));
    process.stdout.write(`${summary('upload', up)}; ${summary('download', down)}; ${summary('plain copy', copy)}\n`);
    const clientPeak = Math.max(...rows.flatMap((row) => [row.up.peakMb, row.down.peakMb]));
    process.stdout.write(
      `up/plain ${(median(up) / median(copy)).toFixed(2)}, down/plain ${(median(down) / median(copy)).toFixed(2)} (target at least 0.33 each); ` +
        `peak RSS client ${clientPeak.toFixed(0)} MB, server ${peakRssMb(proc.pid).toFixed(0)} MB (target under 150 each); load ${loadAverage()}\n`,
    );
  } finally {
    proc.kill();
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The 1, 5 and 15 minute load averages: on a shared machine they say how much the numbers mean. */
function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

await main();
