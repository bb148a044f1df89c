// One client connection: an explicit state machine, the inbound frame decoder, and one outbound queue that honours backpressure.

import { randomBytes } from 'node:crypto';
import { CHALLENGE_BYTES, PROTOCOL_VERSION, type ErrorCode } from '../protocol/constants';
import { encodeFrameBody } from '../protocol/codec';
import type { ServerFrame } from '../protocol/frames';
import { concat } from '../protocol/bytes';
import { FrameDecoder } from '../protocol/framing';
import { TokenBucket } from './limits';
import type { Member, Room } from './rooms';

/** The parts of a Bun socket a connection uses; a Bun `Socket` satisfies it. */
export interface Wire {
  /** Bytes written, fewer under backpressure (Bun keeps none of the rest), -1 once closed. */
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  readonly remoteAddress: string;
}

/**
 * open:    `hello` sent, no room joined (the join timeout runs)
 * joined:  member of at least one room
 * closing: no more frames are read; output is flushed, then the socket ends
 * closed:  the socket is gone
 */
export type ConnectionState = 'open' | 'joined' | 'closing' | 'closed';

/** Something the frame handler refuses; becomes an `error` frame. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly room?: string,
    readonly cid?: string,
  ) {
    super(message);
  }
}

/**
 * Until a connection has joined a room it can only need small frames (room,
 * create, join, ping), so a stranger cannot make the server buffer a 16 MiB
 * frame per connection; joining lifts the limit to `max`.
 */
export const PRE_JOIN_MAX_FRAME = 64 * 1024;

/**
 * Free bytes in front of every received body (FrameDecoder headroom): the `msg`
 * relaying a `send` is written in front of its envelope, in the send's own
 * memory, instead of copying the envelope into a new frame (see handler.ts).
 * A `msg` prefix is at most about 100 bytes plus the room name and cid, of which
 * the send's own prefix (about 50 plus the same) is reused.
 */
export const RELAY_HEADROOM = 128;

export interface ConnectionLimits {
  maxFrame: number;
  maxQueueBytes: number;
  rate: number;
  burst: number;
  /** A `bad_frame` count that closes the connection. */
  maxBadFrames: number;
}

/** What the connection hands each complete frame body to (the protocol logic lives there). */
export interface InboundHandler {
  /** Handles one body. A returned promise holds back later frames until it settles, keeping them in order. */
  onBody(conn: Connection, body: Uint8Array): void | Promise<void>;
  onClosed(conn: Connection): void;
  log(message: string): void;
}

export class Connection implements Member {
  private stateValue: ConnectionState = 'open';
  readonly challenge: Uint8Array = randomBytes(CHALLENGE_BYTES);
  readonly address: string;
  lastFrameAt = Date.now();
  /** Since when the connection has been in no room; the join timeout counts from here. */
  unjoinedSince = Date.now();
  /** Rooms this connection has joined, by name. */
  readonly rooms = new Map<string, Room>();
  /** Sends of this connection waiting for a commit. */
  pendingAppends = 0;
  badFrames = 0;
  /** When finish() began; a peer that never reads its last frames is cut off after a grace period. */
  closingSince = 0;

  private readonly decoder: FrameDecoder;
  private readonly bucket: TokenBucket;
  /** Outbound bytes Bun did not take yet, oldest first. */
  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  /**
   * Bodies received but not handled yet: behind an earlier frame still being
   * handled (a delayed join), or over the rate limit. Bounded by what the socket
   * delivered before it was paused.
   */
  private inbox: Uint8Array[] = [];
  private inboxHead = 0;
  private busy = false;
  /** Set while the token bucket is empty: reading waits for this timer. */
  private refill: ReturnType<typeof setTimeout> | undefined;
  private ended = false;
  /** Frames written during the current callback, sent together when it ends. */
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private batchScheduled = false;
  private reading = true;
  /** Whether the socket is paused for the rate limit or a pending answer (not for a stop). */
  private paused = false;
  /** Downloads waiting for the unsent output to shrink (PROTOCOL.md section 9.3). */
  private drainWaiters: { below: number; resolve: () => void }[] = [];

  constructor(
    private readonly wire: Wire,
    private readonly handler: InboundHandler,
    private readonly limits: ConnectionLimits,
  ) {
    this.address = wire.remoteAddress;
    this.decoder = new FrameDecoder(Math.min(PRE_JOIN_MAX_FRAME, limits.maxFrame), RELAY_HEADROOM);
    this.bucket = new TokenBucket(limits.rate, limits.burst);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get isOpen(): boolean {
    return this.stateValue === 'open' || this.stateValue === 'joined';
  }

  get unsentBytes(): number {
    return this.queuedBytes;
  }

  // ---- transitions -------------------------------------------------------

  /** First frame on every connection. */
  greet(): void {
    this.send({ t: 'hello', v: PROTOCOL_VERSION, challenge: this.challenge, max: this.limits.maxFrame });
  }

  joinedRoom(room: Room): void {
    if (!this.isOpen) return;
    this.rooms.set(room.name, room);
    this.stateValue = 'joined';
    this.decoder.limit = this.limits.maxFrame;
  }

  leftRoom(name: string): void {
    this.rooms.delete(name);
    if (this.stateValue === 'joined' && this.rooms.size === 0) {
      this.stateValue = 'open';
      this.unjoinedSince = Date.now();
      this.decoder.limit = Math.min(PRE_JOIN_MAX_FRAME, this.limits.maxFrame);
    }
  }

  /** Takes no more frames (a graceful stop); output still flows until finish(). */
  stopReading(): void {
    this.reading = false;
    this.clearInbox();
    this.wire.pause();
  }

  /** Stops reading, sends what is queued (plus a last frame), then ends the socket. */
  finish(last?: ServerFrame): void {
    if (!this.isOpen) return;
    if (last) this.send(last);
    this.stateValue = 'closing';
    this.closingSince = Date.now();
    this.clearInbox();
    this.flushBatch();
    if (this.queuedBytes === 0) this.endWire();
  }

  private endWire(): void {
    if (this.ended) return;
    this.ended = true;
    this.wire.end();
  }

  /** Drops the connection at once, unsent output included (a reader that stopped reading). */
  cutOff(reason: string): void {
    if (this.stateValue === 'closed') return;
    this.handler.log(`closing connection from ${this.address}: ${reason}`);
    this.stateValue = 'closing';
    this.dropQueue();
    this.ended = true;
    this.wire.terminate();
  }

  /** The socket is gone (called from Bun's close callback). */
  closed(): void {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    this.dropQueue();
    this.clearInbox();
    this.handler.onClosed(this);
  }

  // ---- output -------------------------------------------------------------

  send(frame: ServerFrame): void {
    this.write(encodeFrameBody(frame));
  }

  sendError(code: ErrorCode, msg: string, room?: string, cid?: string): void {
    const frame: ServerFrame = { t: 'error', code, msg };
    if (room !== undefined) frame.room = room;
    if (cid !== undefined) frame.cid = cid;
    this.send(frame);
  }

  /**
   * Writes an encoded frame (which may be shared between connections). Frames
   * written during one callback (a data event, a committed batch) leave in one
   * socket write at its end: one syscall per connection instead of one per frame.
   */
  write(frame: Uint8Array): void {
    // Once closing, only what was written before still goes out.
    if (!this.isOpen) return;
    if (this.queuedBytes > 0) {
      this.enqueue(frame);
      return;
    }
    this.batch.push(frame);
    this.batchBytes += frame.length;
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      queueMicrotask(this.flushBatch);
    }
  }

  /** Hands the frames gathered in this callback to the socket, keeping whatever it did not take. */
  private readonly flushBatch = (): void => {
    this.batchScheduled = false;
    const parts = this.batch;
    const length = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    if (parts.length === 0 || this.stateValue === 'closed' || this.ended) return;
    if (length >= SEPARATE_WRITES_BYTES) {
      // Large frames (images): copying them into one buffer costs more than a
      // syscall each (the 100 KB bench shape spent about 10% of its CPU there).
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i];
        if (!part) continue;
        if (this.queuedBytes > 0) {
          this.enqueue(part);
          continue;
        }
        const written = this.wire.write(part);
        if (written < 0) return;
        if (written < part.length) this.enqueue(part.subarray(written));
      }
      return;
    }
    const bytes = parts.length === 1 && parts[0] ? parts[0] : concat(parts, length);
    if (this.queuedBytes > 0) {
      this.enqueue(bytes);
      return;
    }
    const written = this.wire.write(bytes);
    if (written < 0) return; // closed: Bun's close callback follows
    if (written < bytes.length) this.enqueue(bytes.subarray(written));
  };

  /**
   * Resolves once the output written so far has gone to the socket except at
   * most `bytes`, or the connection is gone; yields to the event loop either
   * way, so a download never starves other connections.
   */
  drainedBelow(bytes: number): Promise<void> {
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        if (this.queuedBytes <= bytes || this.stateValue === 'closed' || this.ended) resolve();
        else this.drainWaiters.push({ below: bytes, resolve });
      }),
    );
  }

  private wakeDrainWaiters(): void {
    if (this.drainWaiters.length === 0) return;
    const gone = this.stateValue === 'closed' || this.ended;
    const waiting = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiting) {
      if (gone || this.queuedBytes <= w.below) w.resolve();
      else this.drainWaiters.push(w);
    }
  }

  /** Bun's drain callback: the socket can take more. */
  drained(): void {
    this.drainOutput();
    this.wakeDrainWaiters();
  }

  private drainOutput(): void {
    while (this.queueHead < this.queue.length) {
      const head = this.queue[this.queueHead];
      if (!head) break;
      const written = this.wire.write(head);
      if (written < 0) return;
      this.queuedBytes -= Math.max(written, 0);
      if (written < head.length) {
        this.queue[this.queueHead] = head.subarray(written);
        return;
      }
      this.queue[this.queueHead++] = EMPTY;
    }
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    if (this.stateValue === 'closing') this.endWire();
  }

  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    // One maximal frame (a big image, a full page) may wait on its own; the bound is
    // for the backlog behind it, so a reader that reads is never cut off by one frame.
    if (this.queuedBytes > this.limits.maxQueueBytes + this.limits.maxFrame) {
      this.cutOff(`it stopped reading (over ${this.limits.maxQueueBytes} bytes unsent beyond one frame)`);
    }
  }

  private dropQueue(): void {
    this.batch = [];
    this.batchBytes = 0;
    this.queue = [];
    this.queueHead = 0;
    this.queuedBytes = 0;
    this.wakeDrainWaiters();
  }

  // ---- input --------------------------------------------------------------

  /** Bun's data callback. */
  received(chunk: Uint8Array): void {
    if (!this.isOpen || !this.reading) return;
    // Each frame is handled before the next header is read: a join earlier in
    // this chunk lifts the size limit for the frames after it.
    const { error } = this.decoder.push(chunk, this.accept);
    if (error && this.isOpen) {
      // The rest of the stream cannot be trusted: say why and close (PROTOCOL.md sections 1 and 7).
      const msg =
        error.kind === 'too_large'
          ? `a frame of ${error.length} bytes is over the limit of ${this.decoder.limit}${this.stateValue === 'open' ? ' before joining a room' : ''}`
          : 'a frame of length 0 is not allowed';
      this.handler.log(`closing connection from ${this.address}: ${msg}`);
      this.finish({ t: 'error', code: 'too_large', msg });
    }
  }

  /** Counts a bad frame; the limit closes the connection. */
  badFrame(msg: string, room?: string, cid?: string, code: 'bad_frame' | 'bad_room' = 'bad_frame'): void {
    this.badFrames++;
    this.sendError(code, msg, room, cid);
    if (this.badFrames >= this.limits.maxBadFrames) {
      this.handler.log(`closing connection from ${this.address}: ${this.badFrames} bad frames`);
      this.finish();
    }
  }

  private readonly accept = (body: Uint8Array): void => {
    if (!this.isOpen || !this.reading) return;
    this.lastFrameAt = Date.now();
    // The common case: nothing waiting and a token to spare.
    if (this.inboxHead === this.inbox.length && !this.busy && this.refill === undefined && this.bucket.take()) {
      this.dispatch(body);
      return;
    }
    this.inbox.push(body);
    this.pump();
  };

  /**
   * Handles queued bodies in order while nothing holds them back. Over the rate
   * limit, the socket stops being read until a token is back: TCP then slows
   * the sender down, and no frame is dropped or reordered (PROTOCOL.md section 7).
   */
  private pump(): void {
    while (this.inboxHead < this.inbox.length && !this.busy && this.refill === undefined && this.isOpen && this.reading) {
      const wait = this.bucket.waitMs();
      if (wait > 0) {
        this.refill = setTimeout(() => {
          this.refill = undefined;
          this.pump();
        }, wait);
        break;
      }
      this.bucket.take();
      const body = this.inbox[this.inboxHead];
      this.inbox[this.inboxHead++] = EMPTY;
      if (body) this.dispatch(body);
    }
    if (this.inboxHead === this.inbox.length && this.inboxHead > 0) {
      this.inbox = [];
      this.inboxHead = 0;
    }
    this.updateReading();
  }

  /** Reads from the socket only while frames can be handled at once. */
  private updateReading(): void {
    if (!this.isOpen || !this.reading) return;
    const hold = this.busy || this.refill !== undefined;
    if (hold === this.paused) return;
    this.paused = hold;
    if (hold) this.wire.pause();
    else this.wire.resume();
  }

  private clearInbox(): void {
    this.inbox = [];
    this.inboxHead = 0;
    if (this.refill !== undefined) clearTimeout(this.refill);
    this.refill = undefined;
  }

  private dispatch(body: Uint8Array): void {
    const outcome = this.handler.onBody(this, body);
    if (outcome) this.holdUntil(outcome);
  }

  /** Keeps later frames (and socket reads) back until an asynchronous answer is done. */
  private holdUntil(work: Promise<void>): void {
    this.busy = true;
    this.updateReading();
    const release = (): void => {
      this.busy = false;
      this.pump();
    };
    work.then(release, (error: unknown) => {
      this.handler.log(`internal error for ${this.address}: ${error instanceof Error ? error.message : String(error)}`);
      this.sendError('internal', 'the server failed to handle a frame');
      release();
    });
  }
}

const EMPTY = new Uint8Array(0);
/** A callback's output at least this big leaves in one write per frame instead of one copy into a single buffer. */
const SEPARATE_WRITES_BYTES = 64 * 1024;
