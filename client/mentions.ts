// Mentions (PROTOCOL.md section 10): the optional `mentions` field of any body, read, written and shown by identity key.

import { isBytes, isFields } from '../protocol/guards';
import { normalizeDisplayName } from '../protocol/names';
import { fingerprint } from './keys';
import { escapeName } from './names';

/** Section 10: at most 32 entries, no identity key twice. */
export const MAX_MENTIONS = 32;

/** One entry of a body's `mentions`: whom the sender meant, and the name the sender had pinned for that key. */
export interface Mention {
  /** 32-byte Ed25519 identity public key. */
  key: Uint8Array;
  name: string;
}

/** A mention as a room item holds it: the name this client shows for the key, never the sender's word alone. */
export interface ItemMention {
  /** The identity key: stays in the client and the host (an edit keeps the mention by it, section 13); never sent to a view or printed. */
  key: Uint8Array;
  /** The name pinned here for that key, else the sender's (escaped). */
  name: string;
  fingerprint: string;
  /** This client's own identity key: the message mentions me. */
  me: boolean;
  /** false: no name is pinned here to that key, so `name` is only what the sender said. */
  pinned: boolean;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * Reads a received body's `mentions`. Absent, or malformed in any way (not an array,
 * empty, over 32 entries, a key not 32 bytes, an invalid name, a key twice): undefined,
 * and the message is still shown, without mentions (section 10).
 */
export function parseMentions(value: unknown): Mention[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_MENTIONS) return undefined;
  const seen = new Set<string>();
  const out: Mention[] = [];
  for (const entry of value) {
    if (!isFields(entry) || !isBytes(entry.key, 32)) return undefined;
    const name = normalizeDisplayName(entry.name);
    if (name === null) return undefined;
    const id = hex(entry.key);
    if (seen.has(id)) return undefined;
    seen.add(id);
    out.push({ key: new Uint8Array(entry.key), name });
  }
  return out;
}

/** The wire form, in the vectors' key order (key, name); undefined when there is nothing to send. */
export function mentionsField(mentions: readonly Mention[] | undefined): { key: Uint8Array; name: string }[] | undefined {
  if (!mentions || mentions.length === 0) return undefined;
  return mentions.map((m) => ({ key: m.key, name: m.name }));
}

/** Checks mentions we are about to send (the same rules a receiver applies); a sentence says what is wrong. */
export function checkOutgoing(mentions: readonly Mention[]): string | null {
  if (mentions.length > MAX_MENTIONS) return `A message can mention at most ${MAX_MENTIONS} people.`;
  const parsed = parseMentions(mentions.map((m) => ({ key: m.key, name: m.name })));
  return parsed ? null : 'Each mention needs a 32-byte identity key and a display name, and no one twice.';
}

/**
 * The mentions as this client shows them: for each key, the name pinned here
 * (`pinnedName`), falling back to the sender's escaped; `me` when it is our key.
 */
export function resolveMentions(
  mentions: readonly Mention[] | undefined,
  myKey: Uint8Array,
  pinnedName: (keyHex: string) => string | undefined,
): ItemMention[] | undefined {
  if (!mentions || mentions.length === 0) return undefined;
  const mine = hex(myKey);
  return mentions.map((m) => {
    const keyHex = hex(m.key);
    const pinned = pinnedName(keyHex);
    return { key: m.key, name: escapeName(pinned ?? m.name), fingerprint: fingerprint(m.key), me: keyHex === mine, pinned: pinned !== undefined };
  });
}
