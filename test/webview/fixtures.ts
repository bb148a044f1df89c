// Items and snapshots for the webview tests.

import type { ViewImageItem, ViewSnapshot, ViewTextItem } from '../../protocol/webview';

export const T0 = new Date(2026, 10, 27, 9, 5).getTime();

export function textItem(n: number, text: string, opts: Partial<ViewTextItem> = {}): ViewTextItem {
  return {
    kind: 'text',
    id: n,
    cid: `cid-${String(n).padStart(6, '0')}`,
    ts: T0 + n * 60_000,
    from: { name: 'Ann', fingerprint: 'LYOC IQ4N 73YH RUIN RLDH 4RRM' },
    own: false,
    verified: true,
    pending: false,
    text,
    ...opts,
  };
}

// A 1x1 PNG.
export const PNG_1x1 = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'),
);

/** The sender of imageItem(n). */
export const BOB_FINGERPRINT = 'AAAA BBBB CCCC DDDD EEEE FFFF';

export function imageItem(n: number): ViewImageItem {
  return {
    kind: 'image',
    id: n,
    cid: `img-${String(n).padStart(6, '0')}`,
    ts: T0 + n * 60_000,
    from: { name: 'Bob', fingerprint: BOB_FINGERPRINT },
    own: false,
    verified: true,
    pending: false,
    // By reference: the bytes (PNG_1x1 in the tests) come from the host on request.
    image: { mime: 'image/png', w: 1, h: 1, name: 'dot.png', ref: { key: BOB_FINGERPRINT, cid: `img-${String(n).padStart(6, '0')}` } },
  };
}

export function snapshotWith(items: ViewSnapshot['rooms'][number]['items'], more = false): ViewSnapshot {
  return {
    connection: { state: 'joined', server: '127.0.0.1:7070' },
    me: { name: 'Me', fingerprint: 'MEME MEME MEME MEME MEME MEME' },
    rooms: [{ room: 'team', online: 2, unread: 0, more, items }],
    active: 'team',
  };
}
