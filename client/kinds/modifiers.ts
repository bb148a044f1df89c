// The modifier kinds this client knows (PROTOCOL.md section 13): "edit" and "reaction". A modifier
// changes another message, named by `rel`; it is folded into its target (client/conversation/fold.ts), never shown alone.

import { MAX_TEXT_BYTES } from '../../protocol/constants';
import { isBytes, isFields, isString } from '../../protocol/guards';
import { isCid } from '../../protocol/names';
import { utf8 } from '../keys';
import { mentionsField, parseMentions, type ItemMention, type Mention } from '../mentions';
import type { BodyBase, Sender } from './types';

/** The message a modifier changes: its sender's identity key and its cid (section 4). */
export interface Rel {
  key: Uint8Array;
  cid: string;
}

export interface EditBody extends BodyBase {
  k: 'edit';
  rel: Rel;
  /** The full new text. */
  text: string;
  /**
   * Section 13: whom the new text mentions; [] is "no one now". Absent (an older client, or a
   * malformed field): the edit changes no mentions.
   */
  mentions?: Mention[];
}

export interface ReactionBody extends BodyBase {
  k: 'reaction';
  rel: Rel;
  emoji: string;
  /** Takes this signer's `emoji` back. */
  remove?: true;
}

export type ModifierBody = EditBody | ReactionBody;
export type ModifierKindName = ModifierBody['k'];

/** A received (or own, acked) modifier with its server id. */
export interface ModifierItem {
  id: number;
  ts: number;
  cid: string;
  from: Sender;
  body: ModifierBody;
  /** An edit's mentions as this client shows them (names pinned here); [] is "no one now"; absent: the edit changes none. */
  mentions?: ItemMention[];
}

/** The emoji offered first in the UI; any other emoji is allowed too. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '👀', '✅'] as const;
export const MAX_EMOJI_BYTES = 64;

const MODIFIER_KINDS: readonly string[] = ['edit', 'reaction'] satisfies ModifierKindName[];

export function isModifierKind(k: string): k is ModifierKindName {
  return MODIFIER_KINDS.includes(k);
}

/** 1-64 bytes of UTF-8 without control characters (section 13). */
export function isEmoji(value: unknown): value is string {
  if (!isString(value) || value.length === 0 || utf8(value).length > MAX_EMOJI_BYTES) return false;
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f-\u009f]/.test(value);
}

/**
 * An edit's `mentions` (section 13): section 10's rules, except that an empty array is valid
 * ("no one now"). Absent or malformed: undefined, and the edit still applies without the field.
 */
export function parseEditMentions(value: unknown): Mention[] | undefined {
  return Array.isArray(value) && value.length === 0 ? [] : parseMentions(value);
}

/** The `mentions` a modifier writes last on the wire (section 13): an edit's, even empty; none for a reaction. */
export function modifierMentions(body: ModifierBody): { key: Uint8Array; name: string }[] | undefined {
  switch (body.k) {
    case 'edit':
      return body.mentions === undefined ? undefined : (mentionsField(body.mentions) ?? []);
    case 'reaction':
      return undefined;
    default: {
      const never: never = body;
      return never;
    }
  }
}

function guardRel(value: unknown): Rel | null {
  if (!isFields(value) || !isBytes(value.key, 32) || !isCid(value.cid)) return null;
  return { key: new Uint8Array(value.key), cid: value.cid };
}

/** Reads a known modifier's fields from a decoded, signature-checked body; null when malformed (then it is ignored). */
export function guardModifier(k: ModifierKindName, fields: Record<string, unknown>, base: BodyBase): ModifierBody | null {
  const rel = guardRel(fields.rel);
  if (!rel) return null;
  switch (k) {
    case 'edit': {
      const text = fields.text;
      if (!isString(text) || text.length === 0 || utf8(text).length > MAX_TEXT_BYTES) return null;
      const mentions = parseEditMentions(fields.mentions);
      return mentions ? { ...base, k, rel, text, mentions } : { ...base, k, rel, text };
    }
    case 'reaction': {
      const { emoji, remove } = fields;
      if (!isEmoji(emoji) || !(remove === undefined || typeof remove === 'boolean')) return null;
      return remove === true ? { ...base, k, rel, emoji, remove: true } : { ...base, k, rel, emoji };
    }
    default: {
      const never: never = k;
      return never;
    }
  }
}

/** The modifier's own fields in wire order (after cid, ts, from, k): rel first, then the kind's. */
export function modifierFields(body: ModifierBody): Record<string, unknown> {
  const rel = { key: body.rel.key, cid: body.rel.cid };
  switch (body.k) {
    case 'edit':
      return { rel, text: body.text };
    case 'reaction':
      return body.remove ? { rel, emoji: body.emoji, remove: true } : { rel, emoji: body.emoji };
    default: {
      const never: never = body;
      return never;
    }
  }
}

export function isModifierBody(body: { k: string }): body is ModifierBody {
  return isModifierKind(body.k);
}
