// Reduces a file name from a path or from another client to a safe display name.

import { MAX_NAME_LENGTH } from './types';

/**
 * The last path segment, without control or bidi-override characters, at most
 * MAX_NAME_LENGTH characters; undefined when nothing is left. Shared with the
 * receiving side, which must not trust a sender's name either.
 */
export function cleanFileName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const last = raw.split(/[\\/]/).pop() ?? '';
  // C0/C1 controls and the Unicode bidi controls that can disguise an extension.
  const cleaned = last.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return undefined;
  return Array.from(cleaned).slice(0, MAX_NAME_LENGTH).join('');
}
