// Benchmark (npm run bench:files): a file up and down through the real server on loopback (encrypted, chunked, resumable path), beside a plain copy of the same bytes over one loopback TCP socket; prints MB/s and peak RSS.

import type { Subprocess } from 'bun';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { decodeBody, encodeFrameBody } from '../protocol/codec';
import { parseServerFrame, type ClientFrame } from '../protocol/frames';
import { FrameDecoder } from '../protocol/framing';
import { KDF_FLOOR, deriveRoomKeys, joinProof, newSalt } from '../client/keys';
import { DEFAULT_FILE_CHUNK, newFileKey } from '../client/files/stream-crypto';
import { BlobTransfers, fileSha256, type BlobChannel, type FileRef } from '../client/files/transfer';

const ROOT = resolve(import.meta.dir, '..');
const { values: flags } = parseArgs({
  options: {
    mb: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  process.stdout.write(`Usage: npm run bench:files [-- --mb N] [--rounds R]
Uploads and downloads an N MiB file (default 1024) through the real server on loopback,
then copies the same file over one plain loopback TCP socket, R times (default 3);
prints MiB/s, CPU time and peak RSS of each round, and the medians.\n`);
  process.exit(0);
}
const MIB = 1024 * 1024;
const SIZE = Math.max(1, Number(flags.mb)) * MIB;
const ROUNDS = Math.max(1, Math.floor(Number(flags.rounds)));
const dir = mkdtempSync(join(tmpdir(), 'message-app-bench-files-'));

/** Peak resident memory of a process so far (the kernel's high-water mark). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc (fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Samples this process's RSS while `work` runs (our own high-water mark also
 * holds earlier phases), and the CPU seconds it and the server used: on a
 * shared machine wall time swings with the load, CPU time much less.
 */
async function sampled<T>(work: () => Promise<T>, serverPid?: number): Promise<{ result: T; seconds: number; peakMb: number; cpu: number; serverCpu: number }> {
  let peak = process.memoryUsage.rss();
  const cpuBefore = process.cpuUsage();
  const serverBefore = serverPid === undefined ? 0 : cpuSeconds(serverPid);
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const start = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const serverCpu = serverPid === undefined ? 0 : cpuSeconds(serverPid) - serverBefore;
    return { result, seconds, peakMb: peak / MIB, cpu: (cpu.user + cpu.system) / 1e6, serverCpu };
  } finally {
    clearInterval(timer);
  }
}

async function startServer(): Promise<{ proc: Subprocess<'ignore', 'pipe', 'pipe'>; port: number }> {
  // Plain TCP: the bench measures the blob path, and its sockets speak no TLS (the server's default).
  const args = [process.execPath, join(ROOT, 'server/main.ts'), '--host', '127.0.0.1', '--port', '0', '--data', join(dir, 'chat.db'), '--rate', '1000000', '--burst', '1000000', '--tls', 'off'];
  const proc = Bun.spawn(args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const reader = proc.stdout.getReader();
  let text = '';
  const deadline = Date.now() + 15_000;
  while (!/listening on [^:]+:(\d+)/.test(text)) {
    if (Date.now() > deadline) throw new Error('the server did not start');
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server exited: ${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { proc, port: Number(/listening on [^:]+:(\d+)/.exec(text)?.[1]) };
}

/** A joined connection feeding a BlobTransfers, as a client would hold one. */
async function joined(port: number, room: string, create: boolean, keys: Awaited<ReturnType<typeof deriveRoomKeys>>, salt: Uint8Array): Promise<{ transfers: BlobTransfers; socket: Socket }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const channel: BlobChannel = {
    send: (frame: ClientFrame) => !socket.destroyed && (socket.write(encodeFrameBody(frame)), true),
  };
  const transfers = new BlobTransfers(channel);
  const decoder = new FrameDecoder(64 * MIB);
  await new Promise<void>((ready, fail) => {
    socket.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk).frames) {
        const frame = parseServerFrame(decodeBody(body));
        if (!frame) continue;
        if (frame.t === 'hello') {
          const proof = joinProof(keys, frame.challenge);
          channel.send(create ? { t: 'create', room, salt, kdf: KDF_FLOOR, auth: keys.authPublic, proof } : { t: 'join', room, proof });
        } else if (frame.t === 'joined') ready();
        else if (frame.t === 'error' && frame.blob === undefined) fail(new Error(`${frame.code}: ${frame.msg}`));
        else transfers.receive(frame);
      }
    });
    socket.on('close', () => transfers.disconnected());
  });
  return { transfers, socket };
}

/** The baseline: the same file read, sent over one loopback TCP socket and written to disk, with Node streams. */
async function plainCopy(source: string, target: string): Promise<void> {
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
  up: Measured;
  down: Measured;
  copy: Measured;
  serverAfterUp: number;
  serverAfterDown: number;
}
type Measured = Awaited<ReturnType<typeof sampled>>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

async function main(): Promise<void> {
  const source = join(dir, 'source.bin');
  writeSource(source);
  const sha256 = await fileSha256(source);
  const { proc, port } = await startServer();
  try {
    const room = 'bench-files';
    const salt = newSalt();
    const keys = await deriveRoomKeys('bench passphrase', room, salt, KDF_FLOOR);
    const alice = await joined(port, room, true, keys, salt);
    const bob = await joined(port, room, false, keys, salt);
    const mbps = (s: number): number => SIZE / MIB / s;
    const perGib = (cpu: number): string => ((cpu * 1024 * MIB) / SIZE).toFixed(1);
    const rows: Row[] = [];
    process.stdout.write(`file of ${SIZE / MIB} MiB, chunk ${DEFAULT_FILE_CHUNK / MIB} MiB, server --sync normal, loopback, ${ROUNDS} rounds; CPU in seconds per GiB (user + system)\n`);
    process.stdout.write(`${'round path'.padEnd(58)} ${'MiB/s'.padStart(6)}  ${'client peak RSS MB'.padStart(18)}  ${'server peak RSS MB'.padStart(18)}  ${'client CPU'.padStart(10)}  ${'server CPU'.padStart(10)}\n`);
    const line = (round: number, name: string, m: Measured, server: string, serverCpu: string): void => {
      const cells = [mbps(m.seconds).toFixed(0).padStart(6), m.peakMb.toFixed(0).padStart(18), server.padStart(18), perGib(m.cpu).padStart(10), serverCpu.padStart(10)];
      process.stdout.write(`${`${round}     ${name}`.padEnd(58)} ${cells.join('  ')}\n`);
    };
    for (let round = 1; round <= ROUNDS; round++) {
      // A new blob each round; garbage of an earlier phase is collected first, so each peak is its own.
      const ref: FileRef = { room, blob: `bench-blob-${String(round).padStart(4, '0')}`, key: newFileKey(), chunk: DEFAULT_FILE_CHUNK, size: SIZE };
      Bun.gc(true);
      const up = await sampled(() => alice.transfers.upload(ref, source), proc.pid);
      const serverAfterUp = peakRssMb(proc.pid);
      const out = join(dir, 'saved.bin');
      Bun.gc(true);
      const down = await sampled(() => bob.transfers.download({ ...ref, sha256 }, out), proc.pid);
      const serverAfterDown = peakRssMb(proc.pid);
      if (statSync(out).size !== SIZE) throw new Error('the downloaded file has the wrong size');
      rmSync(out);
      Bun.gc(true);
      const copyPath = join(dir, 'copy.bin');
      const copy = await sampled(() => plainCopy(source, copyPath));
      rmSync(copyPath);
      rows.push({ up, down, copy, serverAfterUp, serverAfterDown });
      line(round, 'upload (encrypt, server stores)', up, serverAfterUp.toFixed(0), perGib(up.serverCpu));
      line(round, 'download (server reads, decrypt, SHA-256, rename)', down, serverAfterDown.toFixed(0), perGib(down.serverCpu));
      line(round, 'plain copy over one loopback TCP socket', copy, '-', '-');
    }
    alice.socket.destroy();
    bob.socket.destroy();
    // Medians, because the machine is shared: one round can stall on someone else's work.
    const speeds = (pick: (row: Row) => Measured): number[] => rows.map((row) => mbps(pick(row).seconds));
    const summary = (name: string, values: number[]): string =>
      `${name} median ${median(values).toFixed(0)} MiB/s (${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)})`;
    const up = speeds((row) => row.up);
    const down = speeds((row) => row.down);
    const copy = speeds((row) => row.copy);
    process.stdout.write(`${summary('upload', up)}; ${summary('download', down)}; ${summary('plain copy', copy)}\n`);
    const clientPeak = Math.max(...rows.flatMap((row) => [row.up.peakMb, row.down.peakMb]));
    process.stdout.write(
      `up/plain ${(median(up) / median(copy)).toFixed(2)}, down/plain ${(median(down) / median(copy)).toFixed(2)} (target at least 0.33 each); ` +
        `peak RSS client ${clientPeak.toFixed(0)} MB, server ${peakRssMb(proc.pid).toFixed(0)} MB (target under 150 each)\n`,
    );
  } finally {
    proc.kill();
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
