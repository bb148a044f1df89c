// Shared helpers for the client suites: fast test KDF, clients wired to in-memory
// or file stores, event collectors, and a raw protocol socket for hostile peers.

import { connect, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBody, encodeFrameBody } from '../../protocol/codec';
import { parseServerFrame, type ClientFrame, type KdfParams, type ServerFrame } from '../../protocol/frames';
import { FrameDecoder } from '../../protocol/framing';
import { ChatClient, type ChatClientOptions, type ChatEvent, type RoomItem } from '../../client/chat-client';
import { generateIdentity, type Identity } from '../../client/keys';
import { MemoryOutboxStore, type OutboxStore } from '../../client/storage';

/** Small scrypt cost so network suites stay fast; only allowed through the test-only floor option. */
export const TEST_KDF: KdfParams = { n: 1024, r: 8, p: 1 };

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

/** A bare protocol connection for playing a misbehaving peer against the real server. */
export class RawPeer {
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private readonly frames: ServerFrame[] = [];
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const body of this.decoder.push(chunk).frames) {
        const frame = parseServerFrame(decodeBody(body));
        if (frame) this.frames.push(frame);
      }
      this.wake?.();
    });
  }

  static async open(host: string, port: number): Promise<RawPeer> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  send(frame: ClientFrame): void {
    this.socket.write(encodeFrameBody(frame));
  }

  /** The next frame of type `t` (frames of other types before it are dropped). */
  async next<T extends ServerFrame['t']>(t: T, ms = 5000): Promise<Extract<ServerFrame, { t: T }>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.frames.findIndex((f) => f.t === t || f.t === 'error');
      if (index >= 0) {
        const [frame] = this.frames.splice(0, index + 1).slice(-1);
        if (frame?.t === t) return frame as Extract<ServerFrame, { t: T }>;
        throw new Error(`server answered ${JSON.stringify(frame)}`);
      }
      if (Date.now() > deadline) throw new Error(`no ${t} frame within ${ms} ms`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
