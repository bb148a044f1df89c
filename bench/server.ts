// Benchmark (npm run bench:server): load on loopback against the real server and a bare Bun relay; prints throughput, latency, server CPU and peak RSS.

import type { Socket, Subprocess } from 'bun';
import { createPrivateKey, createPublicKey, hkdfSync, randomBytes, scryptSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeBody, encodeBody, encodeFrameBody } from '../protocol/codec';
import { encodeFrame } from '../protocol/framing';

const ROOT = resolve(import.meta.dir, '..');
const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    sync: { type: 'string', default: 'normal' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  process.stdout.write(`Usage: npm run bench:server [-- --seconds S] [--rounds R] [--sync normal|full] [--only NAME]
Runs each shape R times (default 3) for S seconds (default 2) against the real server
and a bare relay, alternating, and prints the median of each; --sync is the server's.
BENCH_PROFILE=DIR writes a CPU profile (markdown) of each server run into DIR.\n`);
  process.exit(0);
}
const SECONDS = Number(flags.seconds);
const ROUNDS = Math.max(1, Number(flags.rounds));
const SYNC = flags.sync === 'full' ? 'full' : 'normal';

interface Shape {
  name: string;
  clients: number;
  senders: number;
  bytes: number;
  /** Messages a sender may have in flight (sent, not yet received by every other client). 1 = light load. */
  window: number;
}

const SHAPES: Shape[] = [
  { name: '10x10x200B', clients: 10, senders: 10, bytes: 200, window: 32 },
  { name: '50x5x200B', clients: 50, senders: 5, bytes: 200, window: 32 },
  { name: '5x1x100KB', clients: 5, senders: 1, bytes: 100_000, window: 4 },
  { name: 'light 10x2x200B', clients: 10, senders: 2, bytes: 200, window: 1 },
].filter((s) => !flags.only || s.name.includes(flags.only));

type Target = 'server' | 'bare';

// ---- processes ---------------------------------------------------------------

interface Running {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  port: number;
  cleanup: () => void;
}

/** `limits`: 'lifted' for the capacity shapes, 'default' to run under the server's own rate limit. */
async function launch(target: Target, limits: 'lifted' | 'default' = 'lifted'): Promise<Running> {
  const bun = process.execPath;
  let dir = '';
  const args =
    target === 'server'
      ? ((dir = mkdtempSync(join(tmpdir(), 'message-app-bench-'))),
        // The rate limit is for abuse, not for a benchmark of capacity: lifted here.
        [bun, ...(process.env.BENCH_PROFILE ? ['--cpu-prof-md', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, '--cpu-prof-interval=200'] : []), join(ROOT, 'server/main.ts'), '--host', '127.0.0.1', '--port', '0', '--data', join(dir, 'chat.db'), ...(limits === 'lifted' ? ['--rate', '1000000', '--burst', '1000000'] : []), '--sync', SYNC, '--tls', 'off'])
      : [bun, join(ROOT, 'bench/bare-relay.ts'), '--host', '127.0.0.1', '--port', '0'];
  // The bench room uses the tests' small KDF, which only a test-configured server accepts (server/config.ts).
  const proc = Bun.spawn(args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...process.env, MESSAGE_APP_TEST_KDF_FLOOR: '1024' } });
  const reader = proc.stdout.getReader();
  let text = '';
  const deadline = Date.now() + 15_000;
  while (!/listening on [^:]+:(\d+)/.test(text)) {
    if (Date.now() > deadline) throw new Error(`${target} did not start`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`${target} exited: ${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const port = Number(/listening on [^:]+:(\d+)/.exec(text)?.[1]);
  return { proc, port, cleanup: () => dir && rmSync(dir, { recursive: true, force: true }) };
}

/** Process CPU time in seconds (user + system) from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks (100 Hz on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

// ---- room keys (PROTOCOL.md section 3, small test KDF: allowed by MESSAGE_APP_TEST_KDF_FLOOR) -----

const ROOM = 'bench';
function roomAuth() {
  const salt = randomBytes(16);
  const kdf = { n: 1024, r: 8, p: 1 };
  const secret = scryptSync('bench passphrase', salt, 32, { N: kdf.n, r: kdf.r, p: kdf.p });
  const seed = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `message-app/v1/auth:${ROOM}`, 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const proof = (challenge: Uint8Array) => sign(null, Buffer.concat([Buffer.from(`message-app/v1/join:${ROOM}\u0000`), challenge]), privateKey);
  return { salt, kdf, auth: spki.subarray(spki.length - 32), proof };
}

// ---- load generator ----------------------------------------------------------------

/** Envelopes start with this marker and a 32-bit sequence number, so receivers find messages without decoding. */
const MAGIC = 0xbe7c1101;

interface Client {
  socket: Socket<{ client?: Client }>;
  /** Bytes of a frame that did not fit in the last chunk. */
  partial: Uint8Array;
  queue: Uint8Array[];
  onBody: (body: Uint8Array) => void;
}

/**
 * Splits frames in place (no copy unless a frame spans chunks), so the generator
 * spends its time on load, not on parsing; the relays under test use FrameDecoder.
 */
function receive(client: Client, chunk: Uint8Array): void {
  let data = chunk;
  if (client.partial.length > 0) {
    data = new Uint8Array(client.partial.length + chunk.length);
    data.set(client.partial, 0);
    data.set(chunk, client.partial.length);
    client.partial = EMPTY;
  }
  let at = 0;
  while (data.length - at >= 4) {
    const length = ((data[at] ?? 0) * 2 ** 24) + (((data[at + 1] ?? 0) << 16) | ((data[at + 2] ?? 0) << 8) | (data[at + 3] ?? 0));
    if (data.length - at - 4 < length) break;
    client.onBody(data.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  // Copy the rest: Bun may reuse the chunk's memory after this callback.
  if (at < data.length) client.partial = data.slice(at);
}

const EMPTY = new Uint8Array(0);

function write(client: Client, bytes: Uint8Array): void {
  if (client.queue.length > 0) {
    client.queue.push(bytes);
    return;
  }
  const n = client.socket.write(bytes);
  if (n >= 0 && n < bytes.length) client.queue.push(bytes.subarray(n));
}

function flush(client: Client): void {
  while (client.queue.length > 0) {
    const head = client.queue[0];
    if (!head) break;
    const n = client.socket.write(head);
    if (n < 0) return;
    if (n < head.length) {
      client.queue[0] = head.subarray(n);
      return;
    }
    client.queue.shift();
  }
}

async function connectClient(port: number, onBody: (c: Client, body: Uint8Array) => void): Promise<Client> {
  return new Promise((resolvePromise, reject) => {
    Bun.connect<{ client?: Client }>({
      hostname: '127.0.0.1',
      port,
      data: {},
      socket: {
        open(socket) {
          socket.setNoDelay(true);
          const client: Client = { socket, partial: EMPTY, queue: [], onBody: (b) => onBody(client, b) };
          socket.data = { client };
          resolvePromise(client);
        },
        data(socket, chunk) {
          const client = socket.data.client;
          if (!client) return;
          receive(client, chunk);
        },
        drain(socket) {
          if (socket.data.client) flush(socket.data.client);
        },
        error(_, error) {
          reject(error);
        },
        connectError(_, error) {
          reject(error);
        },
      },
    });
  });
}

interface Result {
  delivered: number;
  seconds: number;
  p50: number;
  p99: number;
  cpu: number;
  /** The load generator's own CPU (this process), to tell when it, not the relay, is the limit. */
  genCpu: number;
  rssMb: number;
}

async function runShape(target: Target, shape: Shape): Promise<Result> {
  const running = await launch(target);
  const pid = running.proc.pid;
  const capacity = 1 << 22;
  const sentAt = new Float64Array(capacity);
  const remaining = new Int32Array(capacity);
  const senderOf = new Int32Array(capacity);
  const latencies: number[] = [];
  let seq = 0;
  let delivered = 0;
  let measuring = false;
  let stopped = false;
  const inFlight = new Int32Array(shape.senders);
  const pendingControl = new Map<Client, (body: Uint8Array) => void>();

  const clients: Client[] = [];
  // One encoded send frame per sender, patched per message: the cid's last 10 digits and
  // the envelope's sequence number sit at fixed offsets.
  const CID_PREFIX = 'bench';
  const templates: { frame: Uint8Array; cidAt: number; envAt: number }[] = [];
  for (let s = 0; s < shape.senders; s++) {
    const env = new Uint8Array(shape.bytes);
    new DataView(env.buffer).setUint32(0, MAGIC);
    const frame = encodeFrameBody({ t: 'send', room: ROOM, cid: `${CID_PREFIX}${'0'.repeat(10)}`, env });
    const cidAt = Buffer.from(frame).indexOf(`${CID_PREFIX}0000000000`) + CID_PREFIX.length;
    templates.push({ frame, cidAt, envAt: frame.length - shape.bytes });
  }
  const sendNext = (senderIndex: number): void => {
    const client = clients[senderIndex];
    const template = templates[senderIndex];
    if (!client || !template || stopped || seq >= capacity) return;
    const id = seq++;
    const frame = template.frame.slice();
    let n = id;
    for (let d = 9; d >= 0; d--) {
      frame[template.cidAt + d] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    new DataView(frame.buffer, template.envAt + 4, 4).setUint32(0, id);
    sentAt[id] = performance.now();
    remaining[id] = shape.clients - 1;
    senderOf[id] = senderIndex;
    inFlight[senderIndex] = (inFlight[senderIndex] ?? 0) + 1;
    write(client, frame);
  };

  const onBody = (client: Client, body: Uint8Array): void => {
    // In both relays the envelope is the last field of the frame, so its first bytes sit at a known offset.
    const at = body.length - shape.bytes;
    if (at > 0) {
      const view = new DataView(body.buffer, body.byteOffset + at, 8);
      if (view.getUint32(0) === MAGIC) {
        const id = view.getUint32(4);
        if (measuring) {
          latencies.push(performance.now() - (sentAt[id] ?? 0));
          delivered++;
        }
        const left = (remaining[id] ?? 1) - 1;
        remaining[id] = left;
        if (left === 0) {
          const s = senderOf[id] ?? 0;
          inFlight[s] = (inFlight[s] ?? 1) - 1;
          while ((inFlight[s] ?? 0) < shape.window && !stopped) sendNext(s);
        }
        return;
      }
    }
    pendingControl.get(client)?.(body);
  };

  const control = (client: Client, until: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolveControl) => {
      pendingControl.set(client, (body) => {
        const frame = decodeBody(body) as Record<string, unknown>;
        if (until(frame)) {
          pendingControl.delete(client);
          resolveControl(frame);
        }
      });
    });

  const auth = roomAuth();
  for (let i = 0; i < shape.clients; i++) {
    const client = await connectClient(running.port, onBody);
    if (target === 'server') {
      const hello = await control(client, (f) => f.t === 'hello');
      const challenge = hello.challenge as Uint8Array;
      const frame =
        i === 0
          ? { t: 'create', room: ROOM, salt: auth.salt, kdf: auth.kdf, auth: auth.auth, proof: auth.proof(challenge) }
          : { t: 'join', room: ROOM, proof: auth.proof(challenge) };
      const joined = control(client, (f) => f.t === 'joined' || f.t === 'error');
      write(client, encodeFrame(encodeBody(frame)));
      const answer = await joined;
      if (answer.t !== 'joined') throw new Error(`join failed: ${JSON.stringify(answer)}`);
    }
    clients.push(client);
  }
  // The bare relay needs a moment to register the last connection.
  await Bun.sleep(100);

  for (let s = 0; s < shape.senders; s++) for (let w = 0; w < shape.window; w++) sendNext(s);
  await Bun.sleep(500); // warm-up
  measuring = true;
  const cpuBefore = cpuSeconds(pid);
  const genBefore = process.cpuUsage();
  const started = performance.now();
  await Bun.sleep(SECONDS * 1000);
  const seconds = (performance.now() - started) / 1000;
  measuring = false;
  const cpu = ((cpuSeconds(pid) - cpuBefore) / seconds) * 100;
  const gen = process.cpuUsage(genBefore);
  const genCpu = ((gen.user + gen.system) / 1e6 / seconds) * 100;
  stopped = true;
  const rssMb = peakRssMb(pid);
  for (const c of clients) c.socket.end();
  running.proc.kill('SIGTERM');
  await running.proc.exited;
  running.cleanup();

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  return { delivered, seconds, p50: pct(0.5), p99: pct(0.99), cpu, genCpu, rssMb };
}

// ---- pipelined: one connection writes 2,000 sends at once ------------------------------

const PIPELINED = 2000;
const PIPELINED_BYTES = 200;

interface PipelinedResult {
  ms: number;
  /** Every send acked (server) and received by the other member, both in send order, ack ids rising, no error frame. */
  ok: boolean;
  problem: string;
}

/**
 * One sender writes PIPELINED sends in one go (a bot posting a build log, an
 * outbox flushed after a long offline spell); one other member reads. Timed
 * until the member has them all (and, on the server, the sender every ack).
 */
async function runPipelined(target: Target, limits: 'lifted' | 'default'): Promise<PipelinedResult> {
  const running = await launch(target, limits);
  const acks: { cid: string; id: number }[] = [];
  const received: string[] = [];
  const errors: string[] = [];
  // Control frames (hello, joined) per client, kept until asked for: one may arrive before the question.
  const control = new Map<Client, Record<string, unknown>[]>();
  const onBody = (client: Client, body: Uint8Array): void => {
    const frame = decodeBody(body) as Record<string, unknown>;
    if (frame.t === 'ack') acks.push({ cid: String(frame.cid), id: Number(frame.id) });
    else if (frame.t === 'msg' || frame.t === 'send') received.push(String(frame.cid));
    else if (frame.t === 'error') errors.push(String(frame.code));
    else control.set(client, [...(control.get(client) ?? []), frame]);
  };
  const next = async (client: Client, t: string): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const frames = control.get(client) ?? [];
      const index = frames.findIndex((f) => f.t === t);
      const found = frames[index];
      if (found) {
        frames.splice(index, 1);
        return found;
      }
      if (errors.length > 0 || Date.now() > deadline) throw new Error(`no ${t}; errors: ${errors.join(', ')}`);
      await Bun.sleep(1);
    }
  };
  const auth = roomAuth();
  const sender = await connectClient(running.port, onBody);
  const reader = await connectClient(running.port, onBody);
  if (target === 'server') {
    for (const [client, first] of [[sender, true], [reader, false]] as const) {
      const hello = await next(client, 'hello');
      const challenge = hello.challenge as Uint8Array;
      const joined = next(client, 'joined');
      write(
        client,
        encodeFrameBody(
          first
            ? { t: 'create', room: ROOM, salt: auth.salt, kdf: auth.kdf, auth: auth.auth, proof: auth.proof(challenge) }
            : { t: 'join', room: ROOM, proof: auth.proof(challenge) },
        ),
      );
      await joined;
    }
  }
  await Bun.sleep(100);
  const batch = (prefix: string): { cids: string[]; bytes: Uint8Array } => {
    const cids = Array.from({ length: PIPELINED }, (_, i) => `${prefix}${String(i).padStart(8, '0')}`);
    const frames = cids.map((cid) => encodeFrameBody({ t: 'send', room: ROOM, cid, env: randomBytes(PIPELINED_BYTES) }));
    const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      bytes.set(f, at);
      at += f.length;
    }
    return { cids, bytes };
  };
  const done = (): boolean => received.length >= PIPELINED && (target === 'bare' || acks.length >= PIPELINED);
  const run = async (bytes: Uint8Array): Promise<number> => {
    const started = performance.now();
    write(sender, bytes);
    const deadline = Date.now() + 60_000;
    while (!done() && errors.length === 0 && Date.now() < deadline) await Bun.sleep(1);
    return performance.now() - started;
  };
  if (limits === 'lifted') {
    // A fresh process runs its first thousands of frames in the JIT's slow tiers (the
    // MessagePack decoder most of all); warm both relays up so the time is the steady one.
    await run(batch('warm').bytes);
    received.length = 0;
    acks.length = 0;
  }
  const { cids, bytes } = batch('pipe');
  const ms = await run(bytes);
  await Bun.sleep(50); // anything stray (an error frame) after the last one
  sender.socket.end();
  reader.socket.end();
  running.proc.kill('SIGTERM');
  await running.proc.exited;
  running.cleanup();
  const same = (a: string[]) => a.length === cids.length && a.every((cid, i) => cid === cids[i]);
  const problem =
    errors.length > 0
      ? `error frames: ${[...new Set(errors)].join(', ')}`
      : !same(received)
        ? `the member got ${received.length} of ${PIPELINED}${received.length === PIPELINED ? ', out of order' : ''}`
        : target === 'server' && !same(acks.map((a) => a.cid))
          ? `${acks.length} of ${PIPELINED} acked${acks.length === PIPELINED ? ', out of order' : ''}`
          : target === 'server' && !acks.every((a, i) => i === 0 || a.id > (acks[i - 1]?.id ?? Infinity))
            ? 'ack ids not rising'
            : '';
  return { ms, ok: problem === '', problem };
}

// ---- run and print -------------------------------------------------------------------

const rows: string[] = [];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};
const rate = (r: Result) => r.delivered / r.seconds;
rows.push('| shape (clients x senders x size) | relay | delivered msg/s | p50 ms | p99 ms | server CPU % | CPU µs/delivery | peak RSS MB | generator CPU % | vs bare |');
rows.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
process.stderr.write(`bun ${Bun.version}, ${navigator.hardwareConcurrency} cores, load average ${load}; ${ROUNDS} rounds of ${SECONDS} s per shape and relay; server --sync ${SYNC}\n`);
for (const shape of SHAPES) {
  const results: Record<Target, Result[]> = { server: [], bare: [] };
  // Alternating rounds, then medians: a burst of other load on the machine hits both sides alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of ['server', 'bare'] as const) {
      process.stderr.write(`round ${round + 1}: ${shape.name} against ${target}...\n`);
      const result = await runShape(target, shape);
      results[target].push(result);
      process.stderr.write(`  ${fmt(rate(result))} msg/s, p99 ${fmt(result.p99, 2)} ms, CPU ${fmt(result.cpu)} %, generator CPU ${fmt(result.genCpu)} %\n`);
    }
  }
  const summary = (rs: Result[]) => ({
    rate: median(rs.map(rate)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    cpu: median(rs.map((r) => r.cpu)),
    genCpu: median(rs.map((r) => r.genCpu)),
    cpuPerDelivery: median(rs.map((r) => (r.cpu * 10_000) / rate(r))),
    rssMb: Math.max(...rs.map((r) => r.rssMb)),
  });
  const server = summary(results.server);
  const bare = summary(results.bare);
  const ratio = server.rate / bare.rate;
  for (const [target, r] of [['server', server], ['bare', bare]] as const) {
    rows.push(
      `| ${shape.name}${shape.window === 1 ? ' (each sender waits for delivery)' : ` (window ${shape.window})`} | ${target} | ${fmt(r.rate)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpu)} | ${fmt(r.cpuPerDelivery, 1)} | ${fmt(r.rssMb)} | ${fmt(r.genCpu)} | ${target === 'server' ? `${fmt(ratio, 2)}x` : ''} |`,
    );
  }
}

// The pipelined run: under the default rate limit (200/s, burst 400) the server paces the
// sender by not reading its socket; with the limit lifted it is compared with the bare relay.
const pipelinedRows: string[] = [
  `| pipelined ${fmt(PIPELINED)} x ${PIPELINED_BYTES} B on one connection | relay | time ms (median) | every one acked and relayed in order, no error | vs bare |`,
  '| --- | --- | ---: | --- | ---: |',
];
if (!flags.only || 'pipelined'.includes(flags.only)) {
  const runs: Record<'default' | 'lifted' | 'bare', PipelinedResult[]> = { default: [], lifted: [], bare: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['default', 'lifted', 'bare'] as const) {
      process.stderr.write(`round ${round + 1}: pipelined against ${kind === 'bare' ? 'bare' : `server (rate limit ${kind})`}...\n`);
      const result = await runPipelined(kind === 'bare' ? 'bare' : 'server', kind === 'bare' ? 'lifted' : kind);
      runs[kind].push(result);
      process.stderr.write(`  ${fmt(result.ms)} ms${result.ok ? '' : `, FAILED: ${result.problem}`}\n`);
    }
  }
  const bareMs = median(runs.bare.map((r) => r.ms));
  for (const [kind, label] of [
    ['default', 'server, default rate limit'],
    ['lifted', 'server, rate limit lifted'],
    ['bare', 'bare'],
  ] as const) {
    const rs = runs[kind];
    const ms = median(rs.map((r) => r.ms));
    const failed = rs.filter((r) => !r.ok);
    const ok = failed.length === 0 ? `yes (${rs.length} of ${rs.length})` : `NO: ${failed.map((r) => r.problem).join('; ')}`;
    pipelinedRows.push(`| | ${label} | ${fmt(ms)} | ${ok} | ${kind === 'lifted' ? `${fmt(bareMs / ms, 2)}x` : ''} |`);
  }
}
process.stdout.write(`${rows.join('\n')}\n\n${pipelinedRows.join('\n')}\n`);
