// Our own section 12 bodies in flight: sent outside the outbox, each waiting for its ack, a refusal, a timeout or the connection's end.

import type { ClientFrame } from '../../protocol/frames';
import { ClientError, DisconnectedError } from '../errors';

export interface HiddenSendsContext {
  send: (frame: ClientFrame) => boolean;
  /** No ack this long: the send fails with code 'timeout'. */
  timeoutMs: number;
}

export class HiddenSends {
  /** Cids of our own epoch bodies (not shown, no `pending`/`acked` events) and their ack waiters. */
  private readonly waiting = new Map<string, { resolve: (at: { id: number; ts: number }) => void; reject: (error: Error) => void }>();

  constructor(private readonly c: HiddenSendsContext) {}

  /** Sends a sealed section 12 body and resolves at its ack. */
  send(room: string, cid: string, env: Uint8Array): Promise<{ id: number; ts: number }> {
    return new Promise<{ id: number; ts: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(cid);
        reject(new ClientError('timeout', 'The server did not answer in time.', room));
      }, this.c.timeoutMs);
      const settle = { resolve: (at: { id: number; ts: number }) => (clearTimeout(timer), resolve(at)), reject: (error: Error) => (clearTimeout(timer), reject(error)) };
      this.waiting.set(cid, settle);
      if (!this.c.send({ t: 'send', room, cid, env })) {
        this.waiting.delete(cid);
        settle.reject(new DisconnectedError(room));
      }
    });
  }

  /** The ack of `cid`: true when it was one of ours (then it has no outbox entry and no event). */
  acked(cid: string, at: { id: number; ts: number }): boolean {
    const hidden = this.waiting.get(cid);
    if (!hidden) return false;
    this.waiting.delete(cid);
    hidden.resolve(at);
    return true;
  }

  /** A server error naming `cid`: true when it was one of ours (then it fails with `error`). */
  refused(cid: string, error: Error): boolean {
    const hidden = this.waiting.get(cid);
    if (!hidden) return false;
    this.waiting.delete(cid);
    hidden.reject(error);
    return true;
  }

  /** Every one in flight fails (the connection was lost or the client closed). */
  failAll(error: () => Error): void {
    for (const hidden of this.waiting.values()) hidden.reject(error());
    this.waiting.clear();
  }
}
