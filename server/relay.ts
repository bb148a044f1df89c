// The listening socket (Bun.listen, TCP or TLS): accepts connections, enforces the cap and timeouts, and stops gracefully.

import type { Socket, TCPSocketListener } from 'bun';
import { encodeFrameBody } from '../protocol/codec';
import type { ServerConfig } from './config';
import { Connection } from './connection';
import { FrameHandler } from './handler';
import { dirname } from 'node:path';
import { DiskSpace } from './disk';
import { AddressCounter, HourlyLimit, ProofThrottle } from './limits';
import { Rooms } from './rooms';
import type { Store } from './store';
import { BlobFrames } from './blobs/frames';
import { BlobStore } from './blobs/store';
import { FRAME_SLACK } from './handler';

interface SocketData {
  conn?: Connection;
}

export interface RelayOptions {
  config: ServerConfig;
  store: Store;
  /** PEM contents when serving TLS. */
  tls?: { cert: string; key: string };
  log: (message: string) => void;
}

const MAX_BAD_FRAMES = 10;
/** TCP keepalive probes start after this much silence (PROTOCOL.md section 7). */
const KEEPALIVE_MS = 30_000;
/** How long a closing connection may take to read its last frames before it is reset. */
const CLOSE_GRACE_MS = 5_000;
/** How long a graceful stop waits for output to drain before dropping connections. */
const STOP_GRACE_MS = 3_000;
/** How often unfinished uploads past their 24 hours are looked for. */
const BLOB_EXPIRY_EVERY_MS = 60 * 60 * 1000;

export class Relay {
  readonly connections = new Set<Connection>();
  private readonly listener: TCPSocketListener<SocketData>;
  private readonly handler: FrameHandler;
  private readonly throttle = new ProofThrottle();
  private readonly perAddress = new AddressCounter();
  private readonly newRooms: HourlyLimit;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private stopping = false;
  /** The blob store; `blobs.roomBytes(roomId)` is what a room quota counts besides messages. */
  readonly blobs: BlobStore;
  private readonly blobSweeper: ReturnType<typeof setInterval>;

  constructor(private readonly options: RelayOptions) {
    const { config, store, log } = options;
    this.newRooms = new HourlyLimit(config.maxNewRooms);
    const disk = new DiskSpace({
      dir: dirname(config.dataFile),
      reserve: config.minFreeBytes,
      ...(config.testFreeBytesFile !== undefined ? { testFile: config.testFreeBytesFile } : {}),
    });
    // Blobs (PROTOCOL.md section 9) live beside the database; a chunk travels in one frame.
    this.blobs = new BlobStore(`${config.dataFile}.blobs`, {
      sync: config.sync,
      maxFile: config.maxFile,
      maxChunk: config.maxFrame - FRAME_SLACK,
      log,
    });
    this.blobs.expire();
    this.blobSweeper = setInterval(() => this.blobs.expire(), BLOB_EXPIRY_EVERY_MS);
    this.handler = new FrameHandler(store, new Rooms(store), this.throttle, {
      maxFrame: config.maxFrame,
      log,
      maxRooms: config.maxRooms,
      newRooms: this.newRooms,
      maxRoomBytes: config.maxRoomBytes,
      disk,
      kdfFloorN: config.kdfFloorN,
      blobs: new BlobFrames(this.blobs, log, { maxRoomBytes: config.maxRoomBytes, disk }),
    });
    const relay = this;
    this.listener = Bun.listen<SocketData>({
      hostname: config.host,
      port: config.port,
      ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
      data: {},
      socket: {
        open(socket) {
          relay.opened(socket);
        },
        data(socket, chunk) {
          socket.data.conn?.received(chunk);
        },
        drain(socket) {
          socket.data.conn?.drained();
        },
        close(socket) {
          const conn = socket.data.conn;
          if (!conn) return;
          relay.connections.delete(conn);
          relay.perAddress.remove(conn.address);
          conn.closed();
        },
        error(socket, error) {
          log(`socket error from ${socket.remoteAddress}: ${error.message}`);
        },
      },
    });
    // One timer for every connection's join and idle deadlines; 1 s granularity is plenty for 30 s / 75 s limits.
    const every = Math.min(1000, Math.max(100, Math.floor(Math.min(config.joinTimeoutMs, config.idleTimeoutMs) / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
  }

  get port(): number {
    return this.listener.port;
  }

  get tls(): boolean {
    return this.options.tls !== undefined;
  }

  private opened(socket: Socket<SocketData>): void {
    const { config } = this.options;
    if (this.stopping) {
      // Past SIGTERM: no `hello`, only the word that the server is going away.
      this.refuse(socket, 'the server is stopping; try again later');
      return;
    }
    if (this.connections.size >= config.maxConnections) {
      this.refuse(socket, 'the server is at its connection limit; try again later');
      return;
    }
    if (this.perAddress.count(socket.remoteAddress) >= config.maxConnectionsPerAddress) {
      this.options.log(`refused a connection from ${socket.remoteAddress}: it has ${config.maxConnectionsPerAddress} open`);
      this.refuse(socket, 'this address has as many connections open as the server allows; try again later');
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    const conn = new Connection(socket, this.handler, {
      maxFrame: config.maxFrame,
      maxQueueBytes: config.maxQueueBytes,
      rate: config.rate,
      burst: config.burst,
      maxBadFrames: MAX_BAD_FRAMES,
    });
    // A fresh object: the listener's `data` is the one initial value shared by every socket.
    socket.data = { conn };
    this.connections.add(conn);
    this.perAddress.add(conn.address);
    conn.greet();
  }

  /** At a cap (or stopping), `busy` replaces `hello` (PROTOCOL.md section 7). */
  private refuse(socket: Socket<SocketData>, msg: string): void {
    socket.write(encodeFrameBody({ t: 'error', code: 'busy', msg }));
    socket.end();
  }

  private sweep(): void {
    const { joinTimeoutMs, idleTimeoutMs } = this.options.config;
    const now = Date.now();
    for (const conn of this.connections) {
      if (conn.state === 'open' && now - conn.unjoinedSince > joinTimeoutMs) {
        this.options.log(`closing connection from ${conn.address}: joined no room within ${joinTimeoutMs / 1000} s`);
        conn.finish();
      } else if (conn.isOpen && now - conn.lastFrameAt > idleTimeoutMs) {
        this.options.log(`closing connection from ${conn.address}: silent for ${idleTimeoutMs / 1000} s`);
        conn.finish();
      } else if (conn.state === 'closing' && now - conn.closingSince > CLOSE_GRACE_MS) {
        conn.cutOff('it did not read its last frames');
      }
    }
    this.throttle.sweep(now);
    this.newRooms.sweep(now);
  }

  /** Stops accepting, commits and acknowledges what is queued, lets output drain, then closes every connection. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.sweeper);
    clearInterval(this.blobSweeper);
    this.listener.stop(false);
    // Read nothing more, commit what was received and send those acks, then close.
    for (const conn of this.connections) conn.stopReading();
    this.options.store.flush();
    for (const conn of this.connections) conn.finish();
    const deadline = Date.now() + STOP_GRACE_MS;
    while (this.connections.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const conn of this.connections) conn.cutOff('the server is stopping');
    this.listener.stop(true);
    this.blobs.close();
  }
}
