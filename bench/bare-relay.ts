// Baseline for bench/server.ts: a bare Bun relay that only splits frames and forwards each to every other connection (no decoding, checks or storage).

import type { Socket } from 'bun';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_FRAME } from '../protocol/constants';
import { FrameDecoder, encodeFrame } from '../protocol/framing';

/**
 * The same output path as the real server (frames written in one callback leave
 * in one socket write; the unwritten tail waits for drain), so the comparison
 * measures the work per frame (decoding, checks, storage), not the I/O strategy.
 */
class Peer {
  readonly decoder = new FrameDecoder(DEFAULT_MAX_FRAME);
  private queue: Uint8Array[] = [];
  private queued = 0;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private scheduled = false;

  constructor(private readonly socket: Socket<{ peer?: Peer }>) {}

  write(bytes: Uint8Array): void {
    if (this.queued > 0) {
      this.queue.push(bytes);
      this.queued += bytes.length;
      return;
    }
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const parts = this.batch;
    this.batch = [];
    let bytes: Uint8Array;
    if (parts.length === 1 && parts[0]) bytes = parts[0];
    else {
      bytes = new Uint8Array(this.batchBytes);
      let at = 0;
      for (const p of parts) {
        bytes.set(p, at);
        at += p.length;
      }
    }
    this.batchBytes = 0;
    if (this.queued > 0) {
      this.queue.push(bytes);
      this.queued += bytes.length;
      return;
    }
    const n = this.socket.write(bytes);
    if (n >= 0 && n < bytes.length) {
      this.queue.push(bytes.subarray(n));
      this.queued += bytes.length - n;
    }
  }

  drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (!head) break;
      const n = this.socket.write(head);
      if (n < 0) return;
      this.queued -= n;
      if (n < head.length) {
        this.queue[0] = head.subarray(n);
        return;
      }
      this.queue.shift();
    }
  }
}

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } } });
const peers = new Set<Peer>();

const listener = Bun.listen<{ peer?: Peer }>({
  hostname: values.host ?? '127.0.0.1',
  port: Number(values.port ?? 0),
  socket: {
    open(socket) {
      socket.setNoDelay(true);
      const peer = new Peer(socket);
      socket.data = { peer };
      peers.add(peer);
    },
    data(socket, chunk) {
      const from = socket.data.peer;
      if (!from) return;
      for (const body of from.decoder.push(chunk).frames) {
        const frame = encodeFrame(body);
        for (const peer of peers) if (peer !== from) peer.write(frame);
      }
    },
    drain(socket) {
      socket.data.peer?.drain();
    },
    close(socket) {
      if (socket.data.peer) peers.delete(socket.data.peer);
    },
  },
});

process.stdout.write(`bare relay listening on ${listener.hostname}:${listener.port}\n`);
process.on('SIGTERM', () => {
  listener.stop(true);
  process.exit(0);
});
