// The row of a room line (PROTOCOL.md 12.5) in the message list: centred and muted like a day separator,
// a note for screen readers, with no sender mark, actions or menu (it is the room's, not a member's).

import type { ViewLineItem } from '../../protocol/webview';
import { roomLineText } from '../../protocol/webview';
import { h, icon } from './dom';
import { TESTID } from './selectors';

/** `body` is the sentence (webview/kinds/line.ts); `time` and `when` as the list shows a message's. */
export function roomLineRow(doc: Document, item: ViewLineItem, key: string, time: string, when: string, body: HTMLElement): HTMLElement {
  return h(
    doc,
    'div',
    {
      class: 'room-line',
      role: 'note',
      // The whole line in one name, so a screen reader says it at once: "18:44: Ada removed Carol".
      'aria-label': `${time}: ${roomLineText(item.by.name, item.removed)}`,
      'data-key': key,
      'data-testid': TESTID.roomLine,
      'data-id': item.id ?? '',
      'data-cid': item.cid,
      'data-kind': 'line',
    },
    [
      icon(doc, 'shield'),
      body,
      h(doc, 'time', { class: 'room-line-time', 'data-testid': TESTID.messageTime, datetime: new Date(item.ts).toISOString(), title: when }, [time]),
    ],
  );
}
