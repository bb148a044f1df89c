// PROTOCOL.md 12.5's room line: a believed rotation shown in the room at its grant's place. Local only:
// it is made from the grant (signer, optional `removed`), never sent as a body of its own.

import { roomLineText as lineText, type ViewLineItem } from '../../protocol/webview';
import { escapeName } from '../names';
import type { ItemBase, Sender } from './types';

/** The line of one rotation; id, ts and cid are the grant's (server id and time, the grant body's cid). */
export interface LineItem extends ItemBase {
  kind: 'line';
  /** The epoch the rotation moved to. */
  epoch: number;
  /** The owner who rotated: the grant's signer. */
  by: Sender;
  /** The display names the grant says it removed; empty when the passphrase was changed. */
  removed: string[];
}

/** The CLI's JSON line (`chat read`, `chat follow`). */
export interface RoomLineJson {
  kind: 'room-line';
  id: number;
  ts: number;
  epoch: number;
  /** The owner's display name (kept a string: the line's first shape had `by` as the name). */
  by: string;
  fingerprint: string;
  removed: string[];
  text: string;
}


export const roomLine = {
  toViewItem: (item: LineItem): ViewLineItem => ({
    kind: 'line',
    id: item.id,
    cid: item.cid,
    ts: item.ts,
    // Names as other names are shown: invisible characters escaped; the key stays in the host.
    by: { name: escapeName(item.by.name), fingerprint: item.by.fingerprint },
    removed: item.removed.map(escapeName),
  }),
  preview: (item: ViewLineItem): string => lineText(item.by.name, item.removed),
  toCliJson: (item: LineItem): RoomLineJson => {
    const by = escapeName(item.by.name);
    const removed = item.removed.map(escapeName);
    return { kind: 'room-line', id: item.id, ts: item.ts, epoch: item.epoch, by, fingerprint: item.by.fingerprint, removed, text: lineText(by, removed) };
  },
};
