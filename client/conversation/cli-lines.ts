// The CLI's JSON lines with modifiers folded in (PROTOCOL.md section 13): the newest edit's text,
// "edited", reactions by emoji, deleted messages as {id, ts, deleted}; `--raw` lines for the modifiers themselves.

import { fingerprint } from '../keys';
import { toCliJson, type MessageLine, type RoomItem } from '../kinds/index';
import type { ModifierItem } from '../kinds/modifiers';
import { escapeName } from '../names';
import { ModifierFold, withShownMentions } from './fold';

export interface DeletedLine {
  id: number;
  ts: number;
  deleted: true;
}

export type FoldedLine =
  | DeletedLine
  | (MessageLine & { edited?: true; reactions?: Record<string, { name: string; fingerprint: string }[]> });

/** A modifier as a line of its own (`chat read --raw`, `chat follow`). */
export interface ModifierLine {
  id: number;
  ts: number;
  cid: string;
  from: { name: string; fingerprint: string };
  kind: ModifierItem['body']['k'];
  rel: { fingerprint: string; cid: string };
  text?: string;
  /** An edit's mentions when it has the field (section 13; [] is "no one now"). */
  mentions?: { name: string; fingerprint: string }[];
  emoji?: string;
  remove?: true;
}

/** One item's line with what the fold says about it. */
export function foldedLine(item: RoomItem, fold: ModifierFold): FoldedLine {
  if (item.kind === 'placeholder') return item.error === 'deleted' || fold.isDeleted(item.id) ? { id: item.id, ts: item.ts, deleted: true } : toCliJson(item);
  const key = fold.addTarget(item);
  const state = key === null ? undefined : fold.state(key);
  // Section 13: the mentions follow the shown text.
  const line = toCliJson(withShownMentions(item, state));
  if (!state) return line;
  if (state.deleted) return { id: item.id, ts: item.ts, deleted: true };
  const out: FoldedLine = { ...line };
  const newest = state.versions.at(-1);
  if (state.edited && newest && 'text' in out) {
    out.text = newest.text;
    out.edited = true;
  }
  if (state.reactions.size > 0) {
    out.reactions = Object.fromEntries(
      [...state.reactions].map(([emoji, who]) => [emoji, who.map((w) => ({ name: escapeName(w.name), fingerprint: w.fingerprint }))]),
    );
  }
  return out;
}

/** Folds the modifiers into the items (all of them, whatever the order) and gives one line per item, oldest first. */
export function foldedLines(items: readonly RoomItem[], modifiers: readonly ModifierItem[], deletedIds: Iterable<number> = []): FoldedLine[] {
  const fold = new ModifierFold(Number.MAX_SAFE_INTEGER);
  for (const m of [...modifiers].sort((a, b) => a.id - b.id)) fold.addModifier(m);
  for (const item of items) fold.addTarget(item);
  for (const id of deletedIds) fold.markDeleted(id);
  return [...items].sort((a, b) => a.id - b.id).map((item) => foldedLine(item, fold));
}

export function modifierLine(m: ModifierItem): ModifierLine {
  const body = m.body;
  const base = {
    id: m.id,
    ts: m.ts,
    cid: m.cid,
    from: { name: escapeName(m.from.name), fingerprint: m.from.fingerprint },
    kind: body.k,
    rel: { fingerprint: fingerprint(body.rel.key), cid: body.rel.cid },
  };
  switch (body.k) {
    case 'edit':
      return m.mentions ? { ...base, text: body.text, mentions: m.mentions.map(({ name, fingerprint }) => ({ name, fingerprint })) } : { ...base, text: body.text };
    case 'reaction':
      return body.remove ? { ...base, emoji: body.emoji, remove: true } : { ...base, emoji: body.emoji };
    default: {
      const never: never = body;
      return never;
    }
  }
}
