// What a client does with a body it cannot show (PROTOCOL.md section 4, "Kinds a client does not know").

import { isBytes, isFields, isString } from '../../protocol/guards';
import type { PlaceholderReason, ViewPlaceholderItem } from '../../protocol/webview';
import type { ItemBase } from './types';

/** A message that failed to decrypt, verify, match its cid, or is of an unknown kind: never shown as content. */
export interface PlaceholderItem extends ItemBase {
  kind: 'placeholder';
  error: PlaceholderReason;
}

export interface PlaceholderLine {
  id: number;
  ts: number;
  cid: string;
  error: string;
}

/**
 * A body of an unknown kind is a modifier (it changes another message) when it
 * carries `rel`, whatever its value; a client that does not know it ignores it.
 * Without `rel` it is a message this version cannot show: a placeholder.
 */
export function isModifier(fields: Record<string, unknown>): boolean {
  return Object.prototype.hasOwnProperty.call(fields, 'rel');
}

/** The target a known modifier names: `rel = { key: bin(32), cid }`; null when the shape is wrong. */
export function relTarget(fields: Record<string, unknown>): { key: Uint8Array; cid: string } | null {
  const rel = fields.rel;
  if (!isFields(rel) || !isBytes(rel.key, 32) || !isString(rel.cid)) return null;
  return { key: rel.key, cid: rel.cid };
}

export const placeholder = {
  toItem: (base: ItemBase, error: PlaceholderReason): PlaceholderItem => ({ ...base, kind: 'placeholder', error }),
  toViewItem: (item: PlaceholderItem, id: number | null): ViewPlaceholderItem => ({
    kind: 'placeholder',
    id,
    cid: item.cid,
    ts: item.ts,
    reason: item.error,
  }),
  preview: (): string => 'a message that could not be shown',
  toCliJson: (item: PlaceholderItem): PlaceholderLine => ({ id: item.id, ts: item.ts, cid: item.cid, error: item.error }),
};
