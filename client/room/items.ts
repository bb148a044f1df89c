// Turning a room's stored messages into the items shown: opened, deduplicated, verified against the pins, mentions resolved.

import type { StoredMessage } from '../../protocol/frames';
import { openEnvelope, type Dedupe, type Pins, type UnverifiedReason } from '../envelope';
import { EPOCH_KINDS, type GrantBody } from '../epochs/bodies';
import { checkReceivedImage } from '../images/check';
import type { PreparedImage } from '../images/types';
import { fingerprint, type Identity } from '../keys';
import { bodyToItem, placeholder, type Body, type LineItem, type RoomItem, type ShownItem } from '../kinds/index';
import type { ModifierBody, ModifierItem } from '../kinds/modifiers';
import type { BodyBase, Sender } from '../kinds/types';
import { resolveMentions, type ItemMention } from '../mentions';
import { invisibleIn, pinKeyOf } from '../names';
import type { Outbox } from '../outbox';
import type { ReplayMemory } from '../replay';
import { sameBytes } from './join';
import { decryptor, noteEpochBody } from './sealer';
import type { RoomSync } from './sync';

/** What opening needs from the client (ChatClient.itemsContext() builds it). */
export interface RoomItemsContext {
  identity: Identity;
  /** The display name now: a mention of us shows it. */
  name: () => string | undefined;
  pins: Pins;
  dedupe: Dedupe;
  outbox: Outbox;
  options: {
    readonly checkImage?: (image: PreparedImage) => PreparedImage | string;
    readonly replay?: ReplayMemory;
  };
  /** Our own message seen stored or echoed: acked (its ack may have been lost with a connection). */
  acked: (room: string, cid: string, id: number, ts: number) => void;
  log: (line: string) => void;
}

export class RoomItems {
  constructor(private readonly c: RoomItemsContext) {}

  /** A page of stored messages opened (not live: no dedupe, no acks), its modifiers apart. */
  openPage(sync: RoomSync, msgs: readonly StoredMessage[]): { messages: RoomItem[]; modifiers: ModifierItem[] } {
    const messages: RoomItem[] = [];
    const modifiers: ModifierItem[] = [];
    for (const m of msgs) {
      const item = this.openStored(sync, m, false);
      if (item && isModifierItem(item)) modifiers.push(item);
      else if (item) messages.push(item);
    }
    return { messages, modifiers };
  }

  /**
   * Opens a stored message into an item. With `live`, applies dedupe and turns our
   * own stored message into an ack (its ack was lost with a connection): returns
   * null when nothing should be shown.
   */
  openStored(sync: RoomSync, m: StoredMessage, live: boolean): RoomItem | ModifierItem | null {
    const room = sync.name;
    // A tombstone (section 11.4): deleted for everyone; its (empty) envelope is not opened.
    if (m.deleted) return placeholder.toItem({ id: m.id, ts: m.ts, cid: m.cid }, 'deleted');
    const keys = sync.keys;
    const opened = keys
      ? openEnvelope({ room, encKey: keys.encKey, decrypt: decryptor(sync), cid: m.cid, env: m.env })
      : ({ ok: false, reason: 'undecryptable' } as const);
    if (!opened.ok) {
      // A modifier of a kind this client does not know: ignored silently (PROTOCOL.md section 4).
      // Section 12's kinds go into the room's epoch state (never shown);
      // a known modifier (section 13) becomes a ModifierItem to fold into its target.
      if (opened.reason === 'modifier' && EPOCH_KINDS.includes(opened.k)) {
        if (live) {
          this.c.dedupe.add(room, opened.from.key, m.cid);
          if (sameBytes(opened.from.key, this.c.identity.publicKey) && this.c.outbox.has(room, m.cid)) this.c.acked(room, m.cid, m.id, m.ts);
        }
        // A believed rotation's grant is where its room line goes (12.5); a grant not believed yet (its `rotated`
        // comes later) gets its line from followRotation, the others none.
        const body = noteEpochBody(sync, opened, m.id, m.ts);
        return body?.k === 'grant' ? lineItem(sync, { id: m.id, ts: m.ts, body }) : null;
      }
      if (opened.reason === 'modifier') {
        if (!live) return opened.modifier ? this.modifierItem(room, opened.modifier, m) : null;
        // Our own modifier echoed back (its ack was lost): acked, like a message.
        if (sameBytes(opened.from.key, this.c.identity.publicKey) && this.c.outbox.has(room, m.cid)) this.c.acked(room, m.cid, m.id, m.ts);
        if (!this.c.dedupe.add(room, opened.from.key, m.cid)) return null;
        return opened.modifier ? this.modifierItem(room, opened.modifier, m) : null;
      }
      return placeholder.toItem({ id: m.id, ts: m.ts, cid: m.cid }, opened.reason);
    }
    const body = opened.body;
    if (live) {
      const own = sameBytes(body.from.key, this.c.identity.publicKey);
      if (own && this.c.outbox.has(room, m.cid)) {
        this.c.acked(room, m.cid, m.id, m.ts);
        return null;
      }
      if (!this.c.dedupe.add(room, body.from.key, body.cid)) return null;
    }
    // Outside `live` too: a page fetched later must not show a replay either.
    if (this.c.options.replay && !this.c.options.replay.accept(room, Buffer.from(body.from.key).toString('hex'), body.cid, m.id)) {
      this.c.log(`replay dropped in ${room}: cid ${body.cid} came again as id ${m.id}`);
      // A page shows the slot; 'cid_mismatch' is the nearest existing reason (this cid belongs to another id).
      return live ? null : { kind: 'placeholder', id: m.id, ts: m.ts, cid: m.cid, error: 'cid_mismatch' };
    }
    return this.shownItem(room, body, m.id, m.ts);
  }

  modifierItem(room: string, body: ModifierBody, m: { id: number; ts: number }): ModifierItem {
    const from: Sender = { name: body.from.name, key: body.from.key, fingerprint: fingerprint(body.from.key) };
    const item: ModifierItem = { id: m.id, ts: m.ts, cid: body.cid, from, body };
    // Section 13: an edit's mentions, shown like a message's; an empty field stays empty ("no one now").
    if (body.k === 'edit' && body.mentions !== undefined) item.mentions = this.mentionsOf(room, body) ?? [];
    return item;
  }

  private shownItem(room: string, body: Body, id: number, ts: number): RoomItem {
    const from: Sender = { name: body.from.name, key: body.from.key, fingerprint: fingerprint(body.from.key) };
    // Pins are keyed by the TR39 skeleton, so "Аda" (Cyrillic) meets Ada's pin; invisible characters never verify.
    const pinned = this.c.pins.verify(room, pinKeyOf(body.from.name), body.from.name, body.from.key);
    const unverified: UnverifiedReason | null = invisibleIn(body.from.name).length > 0 ? { why: 'invisible' } : pinned;
    const own = sameBytes(body.from.key, this.c.identity.publicKey);
    const compared = unverified === null && !own && this.c.pins.isCompared(room, pinKeyOf(body.from.name), body.from.key);
    const mentions = this.mentionsOf(room, body);
    const base = {
      id,
      ts,
      cid: body.cid,
      from,
      verified: unverified === null,
      own,
      sentAt: body.ts,
      ...(unverified ? { unverified } : {}),
      ...(compared ? { compared: true as const } : {}),
      ...(mentions ? { mentions } : {}),
    };
    const item = bodyToItem(body, base, { checkImage: this.c.options.checkImage ?? defaultCheckImage, received: true });
    if (typeof item !== 'string') return item;
    this.c.log(`${body.k} refused: ${item}`);
    return placeholder.toItem({ id, ts, cid: body.cid }, 'unsupported');
  }

  ownItem(body: Body, id: number, ts: number, room: string): ShownItem {
    const from: Sender = { name: body.from.name, key: body.from.key, fingerprint: this.c.identity.fingerprint };
    const mentions = this.mentionsOf(room, body);
    const base = { id, ts, cid: body.cid, from, verified: true, own: true, sentAt: body.ts, ...(mentions ? { mentions } : {}) };
    const item = bodyToItem(body, base, { checkImage: this.c.options.checkImage ?? defaultCheckImage, received: false });
    // Our own bodies were checked when they were made; a kind refusing one is a bug in that kind.
    if (typeof item === 'string') throw new TypeError(`own ${body.k} message refused: ${item}`);
    return item;
  }

  /** A body's mentions with the names pinned in `room` (a mention of us shows our own name). */
  private mentionsOf(room: string, body: BodyBase): ItemMention[] | undefined {
    const myHex = Buffer.from(this.c.identity.publicKey).toString('hex');
    const name = this.c.name();
    return resolveMentions(body.mentions, this.c.identity.publicKey, (keyHex) =>
      keyHex === myHex && name !== undefined ? name : this.c.pins.nameOfKey(room, keyHex),
    );
  }
}

/** The room line (12.5) of a grant this client believes, the first of its epoch; null for any other grant. */
export function lineItem(sync: RoomSync, grant: { id: number; ts: number; body: GrantBody }): LineItem | null {
  const { id, ts, body } = grant;
  if (!sync.epochs.takesLine(body, id)) return null;
  const by: Sender = { name: body.from.name, key: body.from.key, fingerprint: fingerprint(body.from.key) };
  return { kind: 'line', id, ts, cid: body.cid, epoch: body.epoch, by, removed: (body.removed ?? []).map((r) => r.name) };
}

/** A modifier carries its body; a room item never does. */
export function isModifierItem(item: RoomItem | ModifierItem): item is ModifierItem {
  return 'body' in item;
}

function defaultCheckImage(image: PreparedImage): PreparedImage | string {
  const checked = checkReceivedImage(image);
  return checked.ok ? checked.image : checked.reason;
}
