// The join state machine of one room: ask for the room, create it or derive its keys and prove the
// passphrase, retry after a lost connection; and the rejoin after a reconnect, with its failures.

import type { ClientFrame, KdfParams } from '../../protocol/frames';
import { ClientError, ClosedError, DisconnectedError, NoRoomError, WrongPassphraseError } from '../errors';
import { DEFAULT_KDF, checkKdf, deriveRoomKeys, joinProof, newSalt, type RoomKeys } from '../keys';
import { checkRoomParams, checkRoomVanished, type RoomParamStore } from '../room-params';
import type { Expect, Reply } from '../requests';
import type { JoinKeys, RoomSync } from './sync';
import { EpochWentBackError, RemovedError, type EpochFlow } from './epochs';
import { epochKeysFromRoomKeys, type EpochKeys } from '../epochs/state';

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
  /** Section 12: epoch keys, catching up across rotations, the owner key. */
  readonly epochs: EpochFlow;
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
    let derivedFor: Uint8Array | undefined;
    let derivedKeys: EpochKeys | undefined;
    for (;;) {
      await c.ready();
      this.assertCurrent(sync);
      try {
        await c.epochs.load(sync);
        const info = await c.request(room, { t: 'room', room }, 'room');
        let joined: Reply<'joined'>;
        let keys: EpochKeys;
        if (!info.exists || !info.salt || !info.kdf) {
          if (!create) throw new NoRoomError(room);
          if (c.options.roomParams) await checkRoomVanished(c.options.roomParams, c.address, room);
          const weak = await c.options.checkNewPassphrase?.(passphrase, room);
          if (weak !== undefined) throw new ClientError('invalid_input', weak, room);
          const kdf = c.options.createKdf ?? DEFAULT_KDF;
          salt = newSalt();
          const derived = await this.derive(passphrase, room, salt, kdf);
          derivedFor = salt;
          sync.keys = derived;
          keys = epochKeysFromRoomKeys(0, salt, kdf, derived);
          await c.ready();
          this.assertCurrent(sync);
          try {
            // Section 12.3: the creator's owner key is registered with the room (an older server ignores it).
            const owner = c.epochs.ownerPublic(room);
            joined = await c.request(room, { t: 'create', room, salt, kdf, auth: derived.authPublic, proof: joinProof(derived, c.challenge()), owner }, 'joined');
            created = true;
          } catch (error) {
            // Someone else created it first: ask again and join theirs.
            if (error instanceof ClientError && error.code === 'room_exists') continue;
            throw error;
          }
        } else {
          const epoch = info.epoch ?? 0;
          // Section 12: keys already held for the server's current epoch (a rotation this client followed).
          const stored = c.epochs.storedFor(sync, epoch, info.salt);
          if (stored?.auth) {
            keys = stored;
            salt = info.salt;
          } else {
            // Epoch 0's parameters are pinned as before; a later epoch's come with its keys, checked against the grant's auth.
            if (c.options.roomParams && epoch === 0) await checkRoomParams(c.options.roomParams, c.address, room, { salt: info.salt, kdf: info.kdf });
            // Reuse keys already derived for this very salt (a retry after a lost connection).
            if (!derivedKeys || !derivedFor || !sameBytes(derivedFor, info.salt) || derivedKeys.epoch !== epoch) {
              salt = info.salt;
              derivedFor = info.salt;
              const derived = await this.derive(passphrase, room, info.salt, info.kdf);
              sync.keys = derived;
              derivedKeys = epochKeysFromRoomKeys(epoch, info.salt, info.kdf, derived);
            }
            keys = derivedKeys;
          }
          await c.ready();
          this.assertCurrent(sync);
          try {
            joined = await this.fullJoin(sync, keys);
          } catch (error) {
            // The passphrase given is an older epoch's: catch up through the grants (12.7), if this client holds that epoch.
            const held = sync.epochs.highestJoinable();
            if (!(error instanceof ClientError && error.code === 'bad_proof') || !held || held.epoch >= epoch) throw error;
            keys = await c.epochs.catchUp(sync, epoch);
            joined = await this.fullJoin(sync, keys);
          }
        }
        await c.epochs.joinedAt(sync, keys, created);
        sync.keys = joinKeysOf(room, keys);
        // Pinned once the proof was accepted: these parameters really open the room (the newest epoch's, section 12).
        if (c.options.roomParams) {
          const pinned = await c.options.roomParams.get(c.address, room);
          if (!pinned || keys.epoch > 0) await c.options.roomParams.set(c.address, room, { salt: keys.salt, kdf: keys.kdf });
        }
        await c.joined(sync, joined);
        sync.established = true;
        return { room, created, last: joined.last, online: joined.online, more: sync.pager.more };
      } catch (error) {
        if (error instanceof DisconnectedError && !c.closed()) continue;
        if (error instanceof ClientError && error.code === 'bad_proof' && !(error instanceof RemovedError)) throw new WrongPassphraseError(room);
        throw error;
      }
    }
  }

  /** `join` with the current proof; a `joined` naming an epoch below the pin is refused (12.8). */
  private async fullJoin(sync: RoomSync, keys: EpochKeys): Promise<Reply<'joined'>> {
    const c = this.context;
    const proofKeys = joinKeysOf(sync.name, keys);
    const joined = await c.request(sync.name, { t: 'join', room: sync.name, proof: joinProof(proofKeys, c.challenge()) }, 'joined');
    const epoch = joined.epoch ?? 0;
    if (joined.upto !== undefined || epoch < sync.epochs.pinned) throw new EpochWentBackError(sync.name, sync.epochs.pinned, epoch);
    return joined;
  }

  /**
   * Joins an established room again on a new connection (or after `not_joined`, or after a rotation)
   * with the keys it has; when they are an older epoch's, catches up through the grants first.
   */
  async rejoin(sync: RoomSync): Promise<void> {
    const c = this.context;
    const keys = sync.keys;
    if (!keys) return;
    sync.status = 'joining';
    c.roomState(sync, 'joining');
    try {
      let joined: Reply<'joined'>;
      const current = sync.epochs.get(sync.epochs.pinned);
      try {
        joined = await c.request(sync.name, { t: 'join', room: sync.name, proof: joinProof(keys, c.challenge()) }, 'joined');
        if ((joined.epoch ?? 0) < sync.epochs.pinned || joined.upto !== undefined) throw new EpochWentBackError(sync.name, sync.epochs.pinned, joined.epoch ?? 0);
      } catch (error) {
        if (!(error instanceof ClientError && error.code === 'bad_proof') || !current?.auth) throw error;
        // Rotated while away (12.7): learn the current epoch and follow the grants to it.
        const info = await c.request(sync.name, { t: 'room', room: sync.name }, 'room');
        const epoch = info.epoch ?? 0;
        if (epoch <= sync.epochs.pinned) throw error;
        const next = await c.epochs.catchUp(sync, epoch);
        joined = await this.fullJoin(sync, next);
        await c.epochs.joinedAt(sync, next, false);
        sync.keys = joinKeysOf(sync.name, next);
        if (c.options.roomParams) await c.options.roomParams.set(c.address, sync.name, { salt: next.salt, kdf: next.kdf });
      }
      await c.joined(sync, joined);
    } catch (error) {
      if (error instanceof DisconnectedError || error instanceof ClosedError) return; // the next `ready` retries
      if (!c.isCurrent(sync)) return;
      const err = error instanceof ClientError && error.code === 'bad_proof' && !(error instanceof RemovedError) ? new WrongPassphraseError(sync.name) : error;
      if (err instanceof ClientError && ['bad_proof', 'no_room', 'room_params_changed'].includes(err.code)) {
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

/** The join and seal keys of an epoch held with its auth key. */
export function joinKeysOf(room: string, keys: EpochKeys): JoinKeys {
  if (!keys.auth) throw new ClientError('bad_proof', `No join key for epoch ${keys.epoch} of room "${room}".`, room);
  return { room, encKey: keys.encKey, authPublic: keys.auth.publicKey, authPrivate: keys.auth.privateKey };
}
