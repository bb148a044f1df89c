// @mentions in the composer, DOM-free so they are tested without a browser: where an `@query`
// is being typed, which members match it, what accepting one does to the text, and which
// accepted mentions are still in the text when it is sent (PROTOCOL.md section 10).

import { MAX_MENTIONS, type ViewMember } from '../protocol/webview';

/** The `@` being typed: where it starts and what follows it, up to the caret. */
export interface MentionQuery {
  /** Index of the `@`. */
  at: number;
  query: string;
}

/** Longest query we complete: a display name is at most 64 characters. */
const MAX_QUERY = 64;

/**
 * The `@query` ending at the caret, or null. The `@` must start the text or follow
 * white space or an opening bracket (so "ada@example.com" does not open the list),
 * and the query holds no white space or `@`.
 */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return null;
  const query = before.slice(at + 1);
  if (query.length > MAX_QUERY || /[\s@]/.test(query)) return null;
  const prev = at === 0 ? '' : before[at - 1]!;
  if (prev !== '' && !/[\s([{"'>]/.test(prev)) return null;
  return { at, query };
}

/** Case- and accent-insensitive form for matching (never shown). */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/**
 * Members whose name matches the query: names that start with it first, then names
 * with a word that starts with it, then any that contain it; each group by name.
 */
export function filterMembers(members: readonly ViewMember[], query: string, max = 8): ViewMember[] {
  const q = fold(query);
  const ranked: [number, ViewMember][] = [];
  for (const m of members) {
    const name = fold(m.name);
    const rank = name.startsWith(q) ? 0 : name.split(/[\s._-]+/).some((w) => w.startsWith(q)) ? 1 : name.includes(q) ? 2 : -1;
    if (rank >= 0) ranked.push([rank, m]);
  }
  ranked.sort((a, b) => a[0] - b[0] || a[1].name.localeCompare(b[1].name));
  return ranked.slice(0, max).map(([, m]) => m);
}

/** Replaces the `@query` with `@Name ` and says where the caret goes. */
export function acceptMention(text: string, q: MentionQuery, caret: number, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  const after = text.slice(caret).replace(/^ /, '');
  return { text: text.slice(0, q.at) + inserted + after, caret: q.at + inserted.length };
}

/**
 * The fingerprints to send: each accepted member whose `@Name` is still in the
 * text (one the user deleted again is not mentioned), once each, at most 32.
 */
export function mentionsToSend(text: string, accepted: readonly ViewMember[]): string[] {
  const out: string[] = [];
  for (const m of accepted) {
    if (out.includes(m.fingerprint) || !text.includes(`@${m.name}`)) continue;
    out.push(m.fingerprint);
    if (out.length === MAX_MENTIONS) break;
  }
  return out;
}
