// The one reducer that folds modifiers (edits, reactions) and deletions into their target messages
// (PROTOCOL.md section 13), for one room. The extension host and the CLI both use it; a modifier that
// arrives before its target (paging backwards) waits in a bounded map and applies when the target loads.

import { placeholder, type RoomItem } from '../kinds/index';
import type { ModifierItem } from '../kinds/modifiers';
import type { ItemMention } from '../mentions';

/** Who reacted, as shown (never a key). */
export interface Reactor {
  name: string;
  fingerprint: string;
}

/** One version of an edited message's text, oldest first. */
export interface TextVersion {
  /** Server id of the edit, or of the message itself for the original. */
  id: number;
  ts: number;
  text: string;
}

/** What the modifiers say about one target. */
export interface FoldState {
  /** Every version, oldest (the original) first; the last one is shown. Empty when the target has no text. */
  versions: TextVersion[];
  edited: boolean;
  /** Emoji -> who has it on now, in the order they reacted (by id). */
  reactions: Map<string, Reactor[]>;
  deleted: boolean;
  /**
   * The shown mentions (section 13): those of the newest version, by id, that carries them (an edit
   * without the field carries none, so the ones before it stay; the original always counts). Empty: none.
   */
  mentions: ItemMention[];
}

interface ReactionVote {
  id: number;
  on: boolean;
  who: Reactor;
}

interface Target {
  item: RoomItem;
  edits: ModifierItem[];
  /** `${signer fingerprint}\n${emoji}` -> the vote with the highest id. */
  votes: Map<string, ReactionVote>;
  deleted: boolean;
}

const DEFAULT_MAX_WAITING = 2000;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A message's identity across the modifiers: its sender key and cid (section 4). */
export function targetKey(key: Uint8Array, cid: string): string {
  return `${hex(key)}/${cid}`;
}

function itemTargetKey(item: RoomItem): string | null {
  // A placeholder has no trustworthy sender and a room line (12.5) is no message: neither is a target.
  return item.kind === 'placeholder' || item.kind === 'line' ? null : targetKey(item.from.key, item.cid);
}

function textOf(item: RoomItem): string | null {
  switch (item.kind) {
    case 'text':
    case 'reply':
      return item.text;
    case 'image':
    case 'code':
    case 'file':
    case 'placeholder':
    case 'line':
      return null;
    default: {
      const never: never = item;
      return never;
    }
  }
}

function mentionsOf(item: RoomItem): ItemMention[] {
  return item.kind === 'placeholder' || item.kind === 'line' ? [] : (item.mentions ?? []);
}

/** The item with the mentions its shown version carries (section 13), for a view or a CLI line. */
export function withShownMentions(item: RoomItem, state: FoldState | undefined): RoomItem {
  if (!state || !state.edited || item.kind === 'placeholder' || item.kind === 'line') return item;
  const out = { ...item };
  if (state.mentions.length > 0) out.mentions = state.mentions;
  else delete out.mentions;
  return out;
}

export class ModifierFold {
  private readonly targets = new Map<string, Target>();
  private readonly byId = new Map<number, string>();
  /** Target key -> modifiers that came before it, oldest inserted first (so the oldest are forgotten first). */
  private readonly waiting = new Map<string, ModifierItem[]>();
  private waitingCount = 0;
  /** Ids deleted before their message was seen (a `deleted` frame, or a tombstone). */
  private readonly deletedIds = new Set<number>();
  /** Modifier ids already folded, so a repeat changes nothing. */
  private readonly seen = new Set<number>();

  constructor(private readonly maxWaiting = DEFAULT_MAX_WAITING) {}

  /** Registers a message; the modifiers that waited for it apply now. Returns the target key (null for a placeholder). */
  addTarget(item: RoomItem): string | null {
    const key = itemTargetKey(item);
    if (key === null) return null;
    const existing = this.targets.get(key);
    if (existing) {
      // The acked copy of a pending message: same message, now with its id.
      existing.item = item;
    } else {
      this.targets.set(key, { item, edits: [], votes: new Map(), deleted: false });
    }
    if (item.id > 0) {
      this.byId.set(item.id, key);
      if (this.deletedIds.delete(item.id)) this.markDeleted(item.id);
    }
    const early = this.waiting.get(key);
    if (early) {
      this.waiting.delete(key);
      this.waitingCount -= early.length;
      for (const m of early) this.apply(key, m);
    }
    return key;
  }

  /**
   * Folds a modifier in. Returns the key of the target it changed, or null when it
   * changed nothing now (waiting for its target, ignored, a repeat).
   */
  addModifier(m: ModifierItem): string | null {
    if (this.seen.has(m.id)) return null;
    const key = targetKey(m.body.rel.key, m.body.rel.cid);
    if (!this.targets.has(key)) {
      this.wait(key, m);
      return null;
    }
    return this.apply(key, m) ? key : null;
  }

  /** The message with server id `id` is deleted for everyone. Returns its target key when known. */
  markDeleted(id: number): string | null {
    const key = this.byId.get(id);
    const target = key === undefined ? undefined : this.targets.get(key);
    if (key === undefined || !target) {
      this.deletedIds.add(id);
      return null;
    }
    target.deleted = true;
    // Nothing of a deleted message is kept: its text, versions and reactions go with it.
    target.item = placeholder.toItem({ id: target.item.id, ts: target.item.ts, cid: target.item.cid }, 'deleted');
    target.edits = [];
    target.votes.clear();
    const waited = this.waiting.get(key);
    if (waited) {
      this.waiting.delete(key);
      this.waitingCount -= waited.length;
    }
    return key;
  }

  isDeleted(id: number): boolean {
    const key = this.byId.get(id);
    return this.deletedIds.has(id) || (key !== undefined && this.targets.get(key)?.deleted === true);
  }

  /** The message with this server id, when registered. */
  itemById(id: number): RoomItem | undefined {
    const key = this.byId.get(id);
    return key === undefined ? undefined : this.targets.get(key)?.item;
  }

  /** What the modifiers say about the message with this server id; undefined when it is not registered. */
  stateById(id: number): FoldState | undefined {
    const key = this.byId.get(id);
    return key === undefined ? undefined : this.state(key);
  }

  /** The message with this target key, when registered. */
  item(key: string): RoomItem | undefined {
    return this.targets.get(key)?.item;
  }

  /** How many modifiers wait for their targets (bounded by maxWaiting). */
  get waitingSize(): number {
    return this.waitingCount;
  }

  /** What the modifiers say about a message; undefined when it is not registered. */
  state(key: string): FoldState | undefined {
    const target = this.targets.get(key);
    if (!target) return undefined;
    const reactions = new Map<string, Reactor[]>();
    if (!target.deleted) {
      const on = [...target.votes.entries()].filter(([, v]) => v.on).sort((a, b) => a[1].id - b[1].id);
      for (const [voteKey, vote] of on) {
        const emoji = voteKey.slice(voteKey.indexOf('\n') + 1);
        const list = reactions.get(emoji) ?? [];
        list.push(vote.who);
        reactions.set(emoji, list);
      }
    }
    const original = textOf(target.item);
    const versions: TextVersion[] = [];
    let mentions = target.deleted ? [] : mentionsOf(target.item);
    if (original !== null && !target.deleted) {
      versions.push({ id: target.item.id, ts: target.item.ts, text: original });
      for (const edit of target.edits) {
        if (edit.body.k !== 'edit') continue;
        versions.push({ id: edit.id, ts: edit.ts, text: edit.body.text });
        // The edits are in id order: the last one with the field wins.
        if (edit.mentions !== undefined) mentions = edit.mentions;
      }
    }
    return { versions, edited: versions.length > 1, reactions, deleted: target.deleted, mentions };
  }

  private wait(key: string, m: ModifierItem): void {
    const list = this.waiting.get(key) ?? [];
    if (list.some((x) => x.id === m.id)) return;
    list.push(m);
    this.waiting.set(key, list);
    this.waitingCount += 1;
    // Bounded: the oldest waiting target's modifiers are forgotten first.
    while (this.waitingCount > this.maxWaiting) {
      const first = this.waiting.entries().next();
      if (first.done) break;
      const [oldKey, oldList] = first.value;
      oldList.shift();
      this.waitingCount -= 1;
      if (oldList.length === 0) this.waiting.delete(oldKey);
    }
  }

  private apply(key: string, m: ModifierItem): boolean {
    const target = this.targets.get(key);
    if (!target || target.deleted || target.item.kind === 'placeholder' || target.item.kind === 'line') return false;
    this.seen.add(m.id);
    const body = m.body;
    switch (body.k) {
      case 'edit': {
        // Only the target's own sender may edit it: the signer, rel.key and the target's key are one key.
        if (hex(m.from.key) !== hex(body.rel.key) || hex(target.item.from.key) !== hex(body.rel.key)) return false;
        if (textOf(target.item) === null) return false;
        if (target.edits.some((e) => e.id === m.id)) return false;
        target.edits.push(m);
        target.edits.sort((a, b) => a.id - b.id);
        return true;
      }
      case 'reaction': {
        const voteKey = `${m.from.fingerprint}\n${body.emoji}`;
        const before = target.votes.get(voteKey);
        // Per (signer, target, emoji) the highest server id wins, whatever order they arrive in.
        if (before && before.id >= m.id) return false;
        target.votes.set(voteKey, { id: m.id, on: body.remove !== true, who: { name: m.from.name, fingerprint: m.from.fingerprint } });
        return true;
      }
      default: {
        const never: never = body;
        return never;
      }
    }
  }
}
