// One room's epoch state on the client (PROTOCOL.md 12.2-12.8): the keys of each epoch, the pinned one, members' announced keys, grants seen, owners believed.

import type { KeyObject } from 'node:crypto';
import type { KdfParams } from '../../protocol/frames';
import { ed25519PrivateFromSeed, ed25519RawPublic, type RoomKeys } from '../keys';
import type { GrantBody, KeysBody, EpochBody, OwnerBody } from './bodies';
import type { RoomEpochRecord, StoredEpoch } from './store';

/** The secrets of one epoch; without `auth` it was learned through a back-link and can only open envelopes. */
export interface EpochKeys {
  epoch: number;
  salt: Uint8Array;
  kdf: KdfParams;
  encKey: Uint8Array;
  auth?: { seed: Uint8Array; publicKey: Uint8Array; privateKey: KeyObject };
}

/** A grant seen in the room with the id of the message that carried it. */
export interface SeenGrant {
  id: number;
  /** Server time of that message (0 when unknown). */
  ts: number;
  body: GrantBody;
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export function epochKeysFromRoomKeys(epoch: number, salt: Uint8Array, kdf: KdfParams, keys: RoomKeys): EpochKeys {
  return { epoch, salt, kdf, encKey: keys.encKey, auth: { seed: keys.authSeed, publicKey: keys.authPublic, privateKey: keys.authPrivate } };
}

/** What the join proof needs, as RoomKeys' subset joinProof takes. */
export function proofKeys(room: string, keys: EpochKeys): { room: string; authPrivate: KeyObject } | undefined {
  return keys.auth ? { room, authPrivate: keys.auth.privateKey } : undefined;
}

export class EpochState {
  private readonly keys = new Map<number, EpochKeys>();
  /** Newest `keys` body per identity key (hex). */
  readonly members = new Map<string, { body: KeysBody; id: number }>();
  readonly grants: SeenGrant[] = [];
  /** `owner` bodies seen, applied once their signer is believed an owner. */
  private readonly ownerBodies: { id: number; body: OwnerBody }[] = [];
  /** Identity keys (hex) believed owners; the first is the creator (pinned on first sight). */
  readonly owners: string[] = [];
  readonly announced = new Set<number>();
  /** The highest epoch this client joined with: never seal below it; a server naming a lower one is refused. */
  pinned = 0;
  /** Lowest message id of a `keys` body with an owner key seen so far: the creator is its signer (12.8). */
  private creatorId: number | undefined;
  /** Per epoch, the id of the grant whose room line was given: one line per rotation, the earliest believed grant's. */
  private readonly lined = new Map<number, number>();

  constructor(readonly room: string) {}

  static fromRecord(room: string, record: RoomEpochRecord | undefined): EpochState {
    const state = new EpochState(room);
    if (!record) return state;
    state.pinned = record.pinned;
    for (const e of record.epochs) state.keys.set(e.epoch, fromStored(e));
    for (const a of record.announced) state.announced.add(a);
    state.owners.push(...record.owners);
    if (record.owners.length > 0) state.creatorId = 0;
    return state;
  }

  toRecord(): RoomEpochRecord {
    const epochs: StoredEpoch[] = [...this.keys.values()]
      .sort((a, b) => a.epoch - b.epoch)
      .map((k) => ({ epoch: k.epoch, salt: k.salt, kdf: k.kdf, encKey: k.encKey, ...(k.auth ? { authSeed: k.auth.seed } : {}) }));
    return { pinned: this.pinned, epochs, announced: [...this.announced].sort((a, b) => a - b), owners: [...this.owners] };
  }

  get(epoch: number): EpochKeys | undefined {
    return this.keys.get(epoch);
  }

  /** The envelope key of an epoch (for opening), or undefined when this client never had it. */
  keyOf(epoch: number): Uint8Array | undefined {
    return this.keys.get(epoch)?.encKey;
  }

  /** The highest epoch with a join key (auth), or undefined. */
  highestJoinable(): EpochKeys | undefined {
    let best: EpochKeys | undefined;
    for (const k of this.keys.values()) if (k.auth && (!best || k.epoch > best.epoch)) best = k;
    return best;
  }

  /** Keeps an epoch's keys; keys with auth replace keys without (a link taught only the envelope key). */
  add(keys: EpochKeys): void {
    const had = this.keys.get(keys.epoch);
    if (had?.auth && !keys.auth) return;
    this.keys.set(keys.epoch, keys);
  }

  /** Forgets an epoch's keys if they are still these (a rotation of ours that lost a race). */
  dropIf(keys: EpochKeys): void {
    if (this.keys.get(keys.epoch) === keys) this.keys.delete(keys.epoch);
  }

  /** The room was joined with this epoch's proof: seal under it from now on. */
  pin(epoch: number): void {
    if (epoch > this.pinned) this.pinned = epoch;
  }

  /** I created the room: I am its first owner. */
  createdBy(identityHex: string): void {
    if (!this.owners.includes(identityHex)) this.owners.unshift(identityHex);
    this.creatorId = 0;
  }

  isOwner(identityHex: string): boolean {
    return this.owners.includes(identityHex);
  }

  /**
   * Takes in a verified epoch body seen at message id `id`. Returns true when it taught
   * this client something new (a key, an owner) that callers may want to act on.
   */
  note(body: EpochBody, id: number, ts = 0): boolean {
    const signer = hex(body.from.key);
    switch (body.k) {
      case 'keys': {
        const had = this.members.get(signer);
        if (!had || had.id <= id) this.members.set(signer, { body, id });
        // The creator is the signer of the first `keys` body in the room's history (pinned on first sight).
        if (id > 0 && (this.creatorId === undefined || id < this.creatorId)) {
          const first = this.creatorId === undefined;
          this.creatorId = id;
          if (first) this.owners.unshift(signer);
          else this.owners[0] = signer;
          this.applyOwnerBodies();
          return true;
        }
        return !had;
      }
      case 'grant':
        if (!this.grants.some((g) => g.id === id && id > 0)) this.grants.push({ id, ts, body });
        return true;
      case 'link': {
        if (this.keys.has(body.prev.epoch)) return false;
        this.keys.set(body.prev.epoch, { epoch: body.prev.epoch, salt: body.prev.salt, kdf: body.prev.kdf, encKey: body.prev.key });
        return true;
      }
      case 'owner':
        this.ownerBodies.push({ id, body });
        return this.applyOwnerBodies();
      default: {
        const never: never = body;
        return Boolean(never);
      }
    }
  }

  /** Grants for `epoch` whose auth key is `auth` (a grant of a losing rotation names another auth). */
  grantsFor(epoch: number, auth?: Uint8Array): SeenGrant[] {
    return this.grants.filter((g) => g.body.epoch === epoch && (!auth || Buffer.from(g.body.auth).equals(Buffer.from(auth))));
  }

  /**
   * 12.8: the grant of a rotation this client believes: its epoch is one this client joined (at most the
   * pinned one), its auth key is that of the epoch's keys held here (a losing rotation's names another),
   * and its signer is believed an owner. Keys of that epoch unknown, or owners not known yet: false.
   */
  believes(body: GrantBody): boolean {
    const held = this.keys.get(body.epoch)?.auth;
    if (body.epoch > this.pinned || !held || !Buffer.from(held.publicKey).equals(Buffer.from(body.auth))) return false;
    return this.isOwner(hex(body.from.key));
  }

  /**
   * Whether the believed grant at message `id` gets the room line (12.5): the first one of its epoch does;
   * a later copy (an owner posting the same auth again) does not. An earlier one found later takes over.
   */
  takesLine(body: GrantBody, id: number): boolean {
    if (id <= 0 || !this.believes(body)) return false;
    const had = this.lined.get(body.epoch);
    if (had !== undefined && had < id) return false;
    this.lined.set(body.epoch, id);
    return true;
  }

  /** The owner key a member announced in its newest `keys` body. */
  ownerKeyOf(identityHex: string): Uint8Array | undefined {
    return this.members.get(identityHex)?.body.owner;
  }

  /** Applies `owner` bodies signed by believed owners, until nothing changes. */
  private applyOwnerBodies(): boolean {
    let changed = false;
    for (let again = true; again; ) {
      again = false;
      for (const { body } of this.ownerBodies) {
        const added = hex(body.add);
        if (this.owners.includes(hex(body.from.key)) && !this.owners.includes(added)) {
          this.owners.push(added);
          again = changed = true;
        }
      }
    }
    return changed;
  }
}

function fromStored(e: StoredEpoch): EpochKeys {
  const keys: EpochKeys = { epoch: e.epoch, salt: e.salt, kdf: e.kdf, encKey: e.encKey };
  if (e.authSeed) {
    const privateKey = ed25519PrivateFromSeed(e.authSeed);
    keys.auth = { seed: e.authSeed, publicKey: ed25519RawPublic(privateKey), privateKey };
  }
  return keys;
}
