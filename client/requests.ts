// The request/reply channel: matches the server's `room`/`joined`/`page`/`deleted` answers to the requests that
// asked for them (one FIFO per room), times requests out and fails them when the connection drops.

import type { ClientFrame, ServerFrame } from '../protocol/frames';
import { ClientError, DisconnectedError } from './errors';

/** The answers a request can wait for. */
export type Expect = 'room' | 'joined' | 'page' | 'deleted' | 'rotated' | 'owner_added';
export type Reply<E extends Expect> = Extract<ServerFrame, { t: E }>;

interface PendingRequest {
  expect: Expect;
  /** For `delete`: the message id its `deleted` answer names (others' deletes arrive as `deleted` too). */
  id?: number;
  resolve: (frame: ServerFrame) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface RequestChannelOptions {
  /** Writes a frame; false when there is no ready connection. */
  send(frame: ClientFrame): boolean;
  /** A request without an answer this long fails with code 'timeout'. */
  timeoutMs: number;
  /**
   * Called after a timeout: a late answer would be matched to the wrong request, so the caller
   * starts a clean connection.
   */
  timedOut(room: string): void;
}

export class RequestChannel {
  private readonly queues = new Map<string, PendingRequest[]>();

  constructor(private readonly options: RequestChannelOptions) {}

  /**
   * Sends a frame and waits for its answer. The server handles frames in order, so answers for
   * one room come in the order asked: a FIFO per room matches them.
   */
  request<E extends Expect>(room: string, frame: ClientFrame, expect: E): Promise<Reply<E>> {
    return new Promise<Reply<E>>((resolve, reject) => {
      if (!this.options.send(frame)) {
        reject(new DisconnectedError(room));
        return;
      }
      const queue = this.queueOf(room);
      const request: PendingRequest = {
        expect,
        ...(frame.t === 'delete' ? { id: frame.id } : {}),
        resolve: resolve as (frame: ServerFrame) => void,
        reject,
        timer: setTimeout(() => {
          const index = queue.indexOf(request);
          if (index >= 0) queue.splice(index, 1);
          reject(new ClientError('timeout', 'The server did not answer in time.', room));
          this.options.timedOut(room);
        }, this.options.timeoutMs),
      };
      queue.push(request);
    });
  }

  /** What the oldest open request of a room waits for, if any. */
  headExpects(room: string): Expect | undefined {
    return this.queues.get(room)?.[0]?.expect;
  }

  /** Resolves the oldest request of the frame's room when it waits for this frame type; false otherwise. */
  answer(room: string, frame: ServerFrame): boolean {
    const queue = this.queues.get(room);
    const head = queue?.[0];
    if (!queue || !head || head.expect !== frame.t) return false;
    if (frame.t === 'deleted' && head.id !== frame.id) return false;
    queue.shift();
    clearTimeout(head.timer);
    head.resolve(frame);
    return true;
  }

  /** Fails the oldest request of a room (a server error answered it); false when none was open. */
  rejectHead(room: string, error: Error): boolean {
    const head = this.queues.get(room)?.shift();
    if (!head) return false;
    clearTimeout(head.timer);
    head.reject(error);
    return true;
  }

  /** Fails every open request of a room. */
  failRoom(room: string, error: Error): void {
    const queue = this.queues.get(room);
    if (!queue) return;
    this.queues.delete(room);
    for (const r of queue.splice(0)) {
      clearTimeout(r.timer);
      r.reject(error);
    }
  }

  /** Fails every open request; `error` makes one per room (rooms name themselves in errors). */
  failAll(error: (room: string) => Error): void {
    for (const room of [...this.queues.keys()]) this.failRoom(room, error(room));
  }

  private queueOf(room: string): PendingRequest[] {
    let queue = this.queues.get(room);
    if (!queue) this.queues.set(room, (queue = []));
    return queue;
  }
}
