// A room's epochs at work (PROTOCOL.md section 12): which keys to join with, catching up across missed
// rotations, believing a `rotated`, rotating as an owner, adding owners, and the `keys` announcement.

import type { KdfParams, RotateParams, StoredMessage } from '../../protocol/frames';
import { randomBytes } from 'node:crypto';
import { ClientError, ServerError } from '../errors';
import { checkKdf, deriveRoomKeys, fingerprint, joinProof, newSalt, type Identity } from '../keys';
import { normalizeDisplayName } from '../../protocol/names';
import type { Expect, Reply } from '../requests';
import type { ClientFrame } from '../../protocol/frames';
import { encodeEpochBody, type EpochBody, type GrantBody, type LinkBody, type RemovedMember } from '../epochs/bodies';
import { sealV2Body } from '../epochs/envelope-v2';
import { openGrant, sealGrant, type GrantEntry } from '../epochs/grant';
import { ownerKeyFromSeed, signOwnerAdd, signRotate, verifyRotate, x25519FromSeed, type X25519KeyPair } from '../epochs/keys';
import { EpochState, epochKeysFromRoomKeys, hex, type EpochKeys } from '../epochs/state';
import type { EpochKeyStore } from '../epochs/store';
import type { RoomSync } from './sync';
import type { HistoryQuery } from './sync';

/** How many history pages a search for a grant or the room's first `keys` body reads at most. */
const MAX_SCAN_PAGES = 50;
const SCAN_PAGE = 200;

export interface EpochContext {
  readonly address: string;
  readonly identity: Identity;
  readonly store: EpochKeyStore | undefined;
  readonly kdfFloor: KdfParams | undefined;
  request<E extends Expect>(room: string, frame: ClientFrame, expect: E): Promise<Reply<E>>;
  challenge(): Uint8Array;
  history(room: string, query: HistoryQuery): Promise<Reply<'page'>>;
  /** Opens stored messages only for the epoch bodies among them (they are noted in the room's state). */
  scan(sync: RoomSync, msgs: readonly StoredMessage[]): void;
  /** Seals an epoch body under the room's pinned epoch and queues it; resolves with its server id and time once acked. */
  post(sync: RoomSync, make: (base: { cid: string; ts: number; from: { name: string; key: Uint8Array } }) => EpochBody): Promise<{ id: number; ts: number }>;
  /** The display name this client sends under, if it has one. */
  name(): string | undefined;
  log(line: string): void;
}

/** The server named an older epoch than this client already joined: refused for this room (12.8). */
export class EpochWentBackError extends ClientError {
  constructor(room: string, pinned: number, got: number) {
    super(
      'room_params_changed',
      `The server went back to an older key of room "${room}" (epoch ${got}; this client already uses epoch ${pinned}); refusing to join it.`,
      room,
    );
  }
}

/** No grant for this identity: removed from the room, or the passphrase changed with no key left for it (CLI exit 2). */
export class RemovedError extends ClientError {
  constructor(room: string) {
    super(
      'bad_proof',
      `The passphrase of room "${room}" was changed and no new key was left for you: you were removed from the room, or you need the new passphrase from a member.`,
      room,
    );
  }
}

export interface RotateResult {
  epoch: number;
  /** The new generated passphrase, for inviting newcomers. */
  passphrase: string;
  removed: RemovedMember[];
  /** The rotation's grant as stored (its id and server time place the room line, 12.5). */
  grant: { id: number; ts: number; body: GrantBody };
}

/** The members a rotation can keep or remove: each identity's newest `keys` body. */
export interface MemberInfo {
  name: string;
  key: Uint8Array;
  fingerprint: string;
  owner: boolean;
  self: boolean;
}

export class EpochFlow {
  private x25519: X25519KeyPair | undefined;

  constructor(private readonly c: EpochContext) {}

  private ownX25519(): X25519KeyPair {
    this.x25519 ??= x25519FromSeed(this.c.identity.exportSeed());
    return this.x25519;
  }

  ownerPublic(room: string): Uint8Array {
    return ownerKeyFromSeed(this.c.identity.exportSeed(), room).publicKey;
  }

  /** Restores the stored epochs of a room into its state (once per RoomSync). */
  async load(sync: RoomSync): Promise<void> {
    if (sync.epochsLoaded || !this.c.store) return;
    const record = await this.c.store.get(this.c.address, sync.name);
    const fresh = EpochState.fromRecord(sync.name, record);
    // Keep what this session learned already (a link read before the load finished).
    sync.epochs = fresh;
    sync.epochsLoaded = true;
  }

  async save(sync: RoomSync): Promise<void> {
    if (!this.c.store) return;
    try {
      await this.c.store.set(this.c.address, sync.name, sync.epochs.toRecord());
    } catch (error) {
      this.c.log(`epoch keys save failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The `room` reply names `epoch`: refuse one below the pin; the stored keys for it when the salt matches. */
  storedFor(sync: RoomSync, epoch: number, salt: Uint8Array): EpochKeys | undefined {
    const state = sync.epochs;
    if (epoch < state.pinned) throw new EpochWentBackError(sync.name, state.pinned, epoch);
    const keys = state.get(epoch);
    return keys?.auth && Buffer.from(keys.salt).equals(Buffer.from(salt)) ? keys : undefined;
  }

  /**
   * The current proof failed but this client holds keys of an older epoch: joins with each missed
   * epoch's proof, reads its grant, derives the next epoch's keys, until it holds `current`'s (12.7).
   * Returns the keys of `current`; throws RemovedError when a grant has no entry for this client.
   */
  async catchUp(sync: RoomSync, current: number): Promise<EpochKeys> {
    const room = sync.name;
    for (let guard = 0; guard < 1000; guard++) {
      const have = sync.epochs.highestJoinable();
      if (!have?.auth) throw new RemovedError(room);
      if (have.epoch >= current) return have;
      const joined = await this.c.request(room, { t: 'join', room, epoch: have.epoch, proof: joinProof({ room, authPrivate: have.auth.privateKey }, this.c.challenge()) }, 'joined');
      const upto = joined.upto ?? joined.last;
      const next = have.epoch + 1;
      const grants = await this.findGrants(sync, next, undefined, upto + 1);
      const keys = await this.firstOpenable(sync, grants, undefined);
      if (!keys) throw new RemovedError(room);
      sync.epochs.add(keys);
      this.c.log(`caught up ${room} to epoch ${next}`);
    }
    throw new RemovedError(room);
  }

  /** Joined at `epoch` with its keys: pin it and keep the keys. */
  async joinedAt(sync: RoomSync, keys: EpochKeys, created: boolean): Promise<void> {
    sync.epochs.add(keys);
    sync.epochs.pin(keys.epoch);
    if (created) sync.epochs.createdBy(hex(this.c.identity.publicKey));
    await this.save(sync);
  }

  /** Posts this identity's `keys` body once per room and epoch (12.2); needs a display name. */
  async announce(sync: RoomSync): Promise<void> {
    const epoch = sync.epochs.pinned;
    if (sync.epochs.announced.has(epoch) || sync.announcing) return;
    if (this.c.name() === undefined) return; // a read-only run has no name to sign with; the next sending run announces
    sync.announcing = true;
    try {
      const x25519 = this.ownX25519().publicKey;
      const owner = this.ownerPublic(sync.name);
      await this.c.post(sync, (base) => ({ ...base, k: 'keys', x25519, owner }));
      sync.epochs.announced.add(epoch);
      await this.save(sync);
    } catch (error) {
      this.c.log(`keys announcement failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      sync.announcing = false;
    }
  }

  /**
   * A `rotated` frame for a room this client follows. Returns the new epoch's keys when it
   * believes the rotation (12.8), or throws RemovedError when no grant entry is for it.
   */
  async rotated(sync: RoomSync, frame: RotateParams & { id: number }): Promise<EpochKeys> {
    const room = sync.name;
    const known = sync.epochs.get(frame.epoch);
    if (known?.auth && Buffer.from(known.auth.publicKey).equals(Buffer.from(frame.auth))) return known; // our own rotation
    if (!verifyRotate(frame.owner, { room, epoch: frame.epoch, salt: frame.salt, kdf: frame.kdf, auth: frame.auth }, frame.sig)) {
      throw new ClientError('bad_frame', `The server announced a new key for room "${room}" with an invalid owner signature; ignoring it.`, room);
    }
    const grants = await this.findGrants(sync, frame.epoch, frame.auth, frame.id);
    const keys = await this.firstOpenable(sync, grants, frame);
    if (!keys) throw new RemovedError(room);
    return keys;
  }

  /** Every identity that announced keys in the room (reads the whole history once), with owners marked. */
  async members(sync: RoomSync): Promise<MemberInfo[]> {
    await this.scanAll(sync);
    const me = hex(this.c.identity.publicKey);
    return [...sync.epochs.members.entries()].map(([id, { body }]) => ({
      name: body.from.name,
      key: body.from.key,
      fingerprint: fingerprint(body.from.key),
      owner: sync.epochs.isOwner(id),
      self: id === me,
    }));
  }

  /**
   * Rotates the room to the next epoch (12.4-12.6), leaving out the members named in `remove` (display
   * names or fingerprints). Owner only: the server answers `forbidden` otherwise.
   */
  async rotate(sync: RoomSync, remove: readonly string[], makePassphrase: () => string | Promise<string>): Promise<RotateResult> {
    const room = sync.name;
    const state = sync.epochs;
    const n = state.pinned;
    const current = state.get(n);
    if (!current?.auth) throw new ClientError('not_joined', `Join room "${room}" before changing its keys.`, room);
    const members = await this.members(sync);
    const removed: RemovedMember[] = [];
    const removedKeys = new Set<string>();
    for (const wanted of remove) {
      const normalized = normalizeDisplayName(wanted) ?? wanted;
      const compact = wanted.replace(/\s+/g, '').toUpperCase();
      const hits = members.filter((m) => m.name === normalized || m.fingerprint.replace(/\s+/g, '') === compact);
      if (hits.length === 0) throw new ClientError('invalid_input', `No member named "${wanted}" has announced keys in room "${room}".`, room);
      for (const hit of hits) {
        if (hit.self) throw new ClientError('invalid_input', 'You cannot remove yourself from a room you rotate.', room);
        if (removedKeys.has(hex(hit.key))) continue;
        removedKeys.add(hex(hit.key));
        removed.push({ name: hit.name, key: hit.key });
      }
    }
    const recipients = new Map<string, Uint8Array>();
    recipients.set(hex(this.ownX25519().publicKey), this.ownX25519().publicKey);
    for (const [id, { body }] of state.members) if (!removedKeys.has(id)) recipients.set(hex(body.x25519), body.x25519);

    const passphrase = (await makePassphrase()).normalize('NFKC');
    const epoch = n + 1;
    const salt = newSalt();
    const kdf = current.kdf;
    const fresh = epochKeysFromRoomKeys(epoch, salt, kdf, await this.derive(passphrase, room, salt, kdf));
    const auth = fresh.auth?.publicKey ?? new Uint8Array(0);
    const to: GrantEntry[] = await Promise.all([...recipients.values()].map((x) => sealGrant(room, epoch, x, passphrase)));
    let grant: GrantBody | undefined;
    const stored = await this.c.post(sync, (base) => (grant = { ...base, k: 'grant', epoch, salt, kdf, auth, to, ...(removed.length > 0 ? { removed } : {}) }));
    if (!grant) throw new ClientError('internal', 'Lost the grant just sent.', room);

    const owner = ownerKeyFromSeed(this.c.identity.exportSeed(), room);
    const sig = signRotate(owner, { room, epoch, salt, kdf, auth });
    const { cid, link } = this.link(room, fresh, current);
    state.add(fresh);
    try {
      await this.c.request(room, { t: 'rotate', room, epoch, salt, kdf, auth, owner: owner.publicKey, sig, cid, link }, 'rotated');
    } catch (error) {
      state.dropIf(fresh);
      if (error instanceof ServerError && error.code === 'forbidden') {
        throw new ClientError('forbidden', `Only an owner of room "${room}" can remove members or change its passphrase.`, room);
      }
      if (error instanceof ServerError && error.code === 'stale_epoch') {
        throw new ClientError('stale_epoch', `Another owner changed the keys of room "${room}" at the same moment; nothing was changed. Try again.`, room);
      }
      throw error;
    }
    state.pin(epoch);
    // The server does not echo our own grant: note it here, so this client's room line has its place too.
    state.note(grant, stored.id, stored.ts);
    await this.save(sync);
    return { epoch, passphrase, removed, grant: { id: stored.id, ts: stored.ts, body: grant } };
  }

  /** Makes the member named `name` (display name or fingerprint) an owner (12.3). */
  async addOwner(sync: RoomSync, name: string): Promise<MemberInfo> {
    const room = sync.name;
    const members = await this.members(sync);
    const compact = name.replace(/\s+/g, '').toUpperCase();
    const hit = members.find((m) => m.name === (normalizeDisplayName(name) ?? name) || m.fingerprint.replace(/\s+/g, '') === compact);
    if (!hit) throw new ClientError('invalid_input', `No member named "${name}" has announced keys in room "${room}".`, room);
    const ownerKey = sync.epochs.ownerKeyOf(hex(hit.key));
    if (!ownerKey) throw new ClientError('invalid_input', `"${name}" has not announced an owner key in room "${room}".`, room);
    const by = ownerKeyFromSeed(this.c.identity.exportSeed(), room);
    try {
      await this.c.request(room, { t: 'owner_add', room, owner: ownerKey, by: by.publicKey, sig: signOwnerAdd(by, ownerKey) }, 'owner_added');
    } catch (error) {
      if (error instanceof ServerError && error.code === 'forbidden') {
        throw new ClientError('forbidden', `Only an owner of room "${room}" can add owners.`, room);
      }
      throw error;
    }
    const add = hit.key;
    await this.c.post(sync, (base) => ({ ...base, k: 'owner', add }));
    sync.epochs.note({ cid: '', ts: 0, from: { name: '', key: this.c.identity.publicKey }, k: 'owner', add }, 0);
    await this.save(sync);
    return { ...hit, owner: true };
  }

  /** The back-link (12.6): the previous epoch's key sealed under the new one, as the new epoch's first message. */
  private link(room: string, fresh: EpochKeys, prev: EpochKeys): { cid: string; link: Uint8Array } {
    const name = this.c.name();
    if (name === undefined) throw new ClientError('no_name', 'Set a display name before changing the keys of a room.', room);
    const cid = randomBytes(16).toString('base64url');
    const body: LinkBody = {
      cid,
      ts: Date.now(),
      from: { name, key: this.c.identity.publicKey },
      k: 'link',
      epoch: fresh.epoch,
      prev: { epoch: prev.epoch, key: prev.encKey, salt: prev.salt, kdf: prev.kdf },
    };
    return { cid, link: sealV2Body(room, fresh.epoch, fresh.encKey, this.c.identity, encodeEpochBody(body)) };
  }

  /** Grants for `epoch` (and `auth` when given) seen, or searched for in history before `before`. */
  private async findGrants(sync: RoomSync, epoch: number, auth: Uint8Array | undefined, before: number): Promise<GrantBody[]> {
    const mine = (): GrantBody[] => sync.epochs.grantsFor(epoch, auth).map((g) => g.body);
    if (mine().some((g) => this.addressedToMe(g))) return mine();
    let cursor = before;
    for (let page = 0; page < MAX_SCAN_PAGES; page++) {
      const reply = await this.c.history(sync.name, { before: cursor, limit: SCAN_PAGE });
      this.c.scan(sync, reply.msgs);
      if (mine().some((g) => this.addressedToMe(g))) break;
      const oldest = reply.msgs[0]?.id;
      if (!reply.more || oldest === undefined) break;
      cursor = oldest;
    }
    return mine();
  }

  private addressedToMe(g: GrantBody): boolean {
    const own = this.ownX25519().publicKey;
    return g.to.some((e) => Buffer.from(e.x).equals(Buffer.from(own)));
  }

  /** Reads the room from its first message, for `keys` bodies (members, the creator). */
  private async scanAll(sync: RoomSync): Promise<void> {
    let after = 0;
    for (let page = 0; page < MAX_SCAN_PAGES; page++) {
      const reply = await this.c.history(sync.name, { after, limit: SCAN_PAGE });
      // Newest first, so each page's links are known before the older envelopes they open.
      this.c.scan(sync, reply.msgs);
      const newest = reply.msgs[reply.msgs.length - 1]?.id;
      if (!reply.more || newest === undefined) break;
      after = newest;
    }
  }

  /**
   * The keys from the first grant this client can open and believe (12.8): signed by an owner it knows,
   * its passphrase derives the grant's auth, and with a `rotated`, that one's auth and owner key.
   */
  private async firstOpenable(sync: RoomSync, grants: readonly GrantBody[], rotation: RotateParams | undefined): Promise<EpochKeys | null> {
    const room = sync.name;
    for (const grant of grants) {
      if (!this.addressedToMe(grant)) continue;
      let signer = hex(grant.from.key);
      if (sync.epochs.owners.length === 0 || !sync.epochs.isOwner(signer) || (rotation && !sync.epochs.ownerKeyOf(signer))) {
        await this.scanAll(sync); // the creator's first `keys` body or the signer's may be older than what was read
        signer = hex(grant.from.key);
      }
      if (!sync.epochs.isOwner(signer)) {
        this.c.log(`grant in ${room} by a signer not known as an owner: ignored`);
        continue;
      }
      if (rotation) {
        const announced = sync.epochs.ownerKeyOf(signer);
        if (!announced || !Buffer.from(announced).equals(Buffer.from(rotation.owner)) || !Buffer.from(grant.auth).equals(Buffer.from(rotation.auth))) {
          this.c.log(`grant in ${room} does not match the rotation's owner key or auth: ignored`);
          continue;
        }
      }
      const passphrase = await openGrant(room, grant.epoch, this.ownX25519(), grant.to);
      if (passphrase === null) continue;
      const derived = await this.derive(passphrase, room, grant.salt, grant.kdf);
      if (!Buffer.from(derived.authPublic).equals(Buffer.from(grant.auth))) {
        this.c.log(`grant in ${room} names an auth key its passphrase does not derive: ignored`);
        continue;
      }
      return epochKeysFromRoomKeys(grant.epoch, grant.salt, grant.kdf, derived);
    }
    return null;
  }

  private derive(passphrase: string, room: string, salt: Uint8Array, kdf: KdfParams): ReturnType<typeof deriveRoomKeys> {
    const floor = this.c.kdfFloor;
    checkKdf(kdf, floor ? { floor } : {}, room);
    return deriveRoomKeys(passphrase, room, salt, kdf, floor ? { floor } : {});
  }
}
