// Turns the client core's room items into what the webview shows: display data
// only (names, fingerprints, text, image bytes), never a key.

import type { RoomItem } from '../../client/chat-client';
import { messageTimes } from '../../client/signed-time';
import type { ViewItem } from '../../protocol/webview';

/** `pending`: sent by us and not yet acked (the client's id is 0 then). */
export function toViewItem(item: RoomItem, pending = false): ViewItem {
  const id = pending || item.id === 0 ? null : item.id;
  switch (item.kind) {
    case 'placeholder':
      return { kind: 'placeholder', id, cid: item.cid, ts: item.ts, reason: item.error };
    case 'text':
    case 'image': {
      const base = {
        id,
        cid: item.cid,
        ts: item.ts,
        // The key itself stays in the host; the view shows its fingerprint.
        from: { name: item.from.name, fingerprint: item.from.fingerprint },
        own: item.own,
        verified: item.verified,
        pending: id === null,
        // The sender's clock disagrees with the server's by over five minutes (a replay or a skewed clock): the view shows both.
        ...(id !== null && messageTimes(item.sentAt, item.ts).server !== undefined ? { signedAt: item.sentAt } : {}),
      };
      if (item.kind === 'text') return { ...base, kind: 'text', text: item.text };
      const { mime, w, h, data, name } = item.image;
      return { ...base, kind: 'image', image: name === undefined ? { mime, w, h, data } : { mime, w, h, data, name } };
    }
    default: {
      const unreachable: never = item;
      return unreachable;
    }
  }
}

/** A short line for a notification: the text's first line, or "sent an image". */
export function previewText(item: ViewItem, max = 120): string {
  switch (item.kind) {
    case 'text': {
      const line = item.text.replace(/\s+/g, ' ').trim();
      return line.length > max ? `${line.slice(0, max - 1)}…` : line;
    }
    case 'image':
      return 'sent an image';
    case 'placeholder':
      return 'a message that could not be shown';
    default: {
      const unreachable: never = item;
      return unreachable;
    }
  }
}
