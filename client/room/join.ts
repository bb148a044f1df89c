// The join state machine of one room: ask for the room, create it or derive its keys and prove the
// passphrase, retry after a lost connection; and the rejoin after a reconnect, with its failures.

import type { ClientFrame, KdfParams } from '../../protocol/frames';
import { ClientError, ClosedError, DisconnectedError, NoRoomError, WrongPassphraseError } from '../errors';
import { DEFAULT_KDF, checkKdf, deriveRoomKeys, joinProof, newSalt, type RoomKeys } from '../keys';
import { checkRoomParams, checkRoomVanished, type RoomParamStore } from '../room-params';
import type { Expect, Reply } from '../requests';
import type { RoomSync } from './sync';

export interface JoinResult {
  room: string;
  /** This call created the room. */
  created: boolean;
  /** Highest message id in the room when joined (0 if none). */
  last: number;
  online: number;
  /** Older messages exist than the oldest this join delivered: `loadOlder(room)` fetches them. */
  more: boolean;
}

export interface JoinOptions {
  /** KDF parameters for rooms this client creates. */
  createKdf?: KdfParams;
  roomParams?: RoomParamStore;
  checkNewPassphrase?: (passphrase: string, room: string) => string | undefined | Promise<string | undefined>;
  kdfFloor?: KdfParams;
}

export interface JoinContext {
  readonly options: JoinOptions;
  /** "host:port": room parameters are pinned per server. */
  readonly address: string;
  /** Resolves when the connection is greeted; rejects once closed. */
  ready(): Promise<void>;
  request<E extends Expect>(room: string, frame: ClientFrame, expect: E): Promise<Reply<E>>;
  /** The current connection's challenge (throws DisconnectedError without one). */
  challenge(): Uint8Array;
  closed(): boolean;
  /** This sync object is still the client's record of its room (not left or replaced). */
  isCurrent(sync: RoomSync): boolean;
  /** The connection epoch, to tell whether a delayed retry still belongs to it. */
  epoch(): number;
  /** After `joined`: events, pins, catch-up, the outbox. */
  joined(sync: RoomSync, frame: Reply<'joined'>): Promise<void>;
  /** The room changed to joining or failed (events and the client state follow). */
  roomState(sync: RoomSync, state: 'joining' | 'failed'): void;
  error(error: unknown, room: string): void;
}

export class JoinFlow {
  /** Delayed rejoins after a transient failure; cleared by close(). */
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly context: JoinContext) {}

  /** A first join (or creation) of a room; a lost connection meanwhile is retried. */
  async join(sync: RoomSync, passphrase: string, create: boolean): Promise<JoinResult> {
    const c = this.context;
    const room = sync.name;
    let created = false;
    let salt: Uint8Array | undefined;
    for (;;) {
      await c.ready();
      this.assertCurrent(sync);
      try {
        const info = await c.request(room, { t: 'room', room }, 'room');
        let joined: Reply<'joined'>;
        if (!info.exists || !info.salt || !info.kdf) {
          if (!create) throw new NoRoomError(room);
          if (c.options.roomParams) await checkRoomVanished(c.options.roomParams, c.address, room);
          const weak = await c.options.checkNewPassphrase?.(passphrase, room);
          if (weak !== undefined) throw new ClientError('invalid_input', weak, room);
          const kdf = c.options.createKdf ?? DEFAULT_KDF;
          salt = newSalt();
          sync.keys = await this.derive(passphrase, room, salt, kdf);
          await c.ready();
          this.assertCurrent(sync);
          const keys = sync.keys;
          try {
            joined = await c.request(room, { t: 'create', room, salt, kdf, auth: keys.authPublic, proof: joinProof(keys, c.challenge()) }, 'joined');
            created = true;
          } catch (error) {
            // Someone else created it first: ask again and join theirs.
            if (error instanceof ClientError && error.code === 'room_exists') continue;
            throw error;
          }
        } else {
          if (c.options.roomParams) await checkRoomParams(c.options.roomParams, c.address, room, { salt: info.salt, kdf: info.kdf });
          // Reuse keys already derived for this very salt (a retry after a lost connection).
          if (!sync.keys || !salt || !sameBytes(salt, info.salt)) {
            salt = info.salt;
            sync.keys = await this.derive(passphrase, room, info.salt, info.kdf);
          }
          await c.ready();
          this.assertCurrent(sync);
          joined = await c.request(room, { t: 'join', room, proof: joinProof(sync.keys, c.challenge()) }, 'joined');
        }
        // Pinned once the proof was accepted: these parameters really open the room.
        if (c.options.roomParams && salt && !(await c.options.roomParams.get(c.address, room))) {
          await c.options.roomParams.set(c.address, room, { salt, kdf: info.exists && info.kdf ? info.kdf : c.options.createKdf ?? DEFAULT_KDF });
        }
        await c.joined(sync, joined);
        sync.established = true;
        return { room, created, last: joined.last, online: joined.online, more: sync.pager.more };
      } catch (error) {
        if (error instanceof DisconnectedError && !c.closed()) continue;
        if (error instanceof ClientError && error.code === 'bad_proof') throw new WrongPassphraseError(room);
        throw error;
      }
    }
  }

  /** Joins an established room again on a new connection (or after `not_joined`) with the keys it has. */
  async rejoin(sync: RoomSync): Promise<void> {
    const c = this.context;
    const keys = sync.keys;
    if (!keys) return;
    sync.status = 'joining';
    c.roomState(sync, 'joining');
    try {
      const joined = await c.request(sync.name, { t: 'join', room: sync.name, proof: joinProof(keys, c.challenge()) }, 'joined');
      await c.joined(sync, joined);
    } catch (error) {
      if (error instanceof DisconnectedError || error instanceof ClosedError) return; // the next `ready` retries
      if (!c.isCurrent(sync)) return;
      const err = error instanceof ClientError && error.code === 'bad_proof' ? new WrongPassphraseError(sync.name) : error;
      if (err instanceof ClientError && ['bad_proof', 'no_room'].includes(err.code)) {
        sync.status = 'failed';
        c.roomState(sync, 'failed');
      } else {
        // Transient (rate_limited, busy, internal, a timeout): try again shortly on this connection.
        const epoch = c.epoch();
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (c.isCurrent(sync) && c.epoch() === epoch && sync.status === 'joining') void this.rejoin(sync);
        }, 2000);
        this.timers.add(timer);
      }
      c.error(err, sync.name);
    }
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private derive(passphrase: string, room: string, salt: Uint8Array, kdf: KdfParams): Promise<RoomKeys> {
    const floor = this.context.options.kdfFloor;
    checkKdf(kdf, floor ? { floor } : {}, room);
    return deriveRoomKeys(passphrase, room, salt, kdf, floor ? { floor } : {});
  }

  private assertCurrent(sync: RoomSync): void {
    if (!this.context.isCurrent(sync)) throw new ClientError('closed', `Left room "${sync.name}".`, sync.name);
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
