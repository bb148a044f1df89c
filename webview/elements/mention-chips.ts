// The "@Name" line under a message that mentions people (PROTOCOL.md section 10): the names the
// host pinned for those keys, as text nodes; a mention of the reader is marked and highlighted.

import type { ViewMention } from '../../protocol/webview';
import { h } from './dom';
import { TESTID } from './selectors';

export function mentionChips(doc: Document, mentions: readonly ViewMention[]): HTMLElement {
  return h(
    doc,
    'div',
    { class: 'mentions', 'data-testid': TESTID.mentions },
    mentions.map((m) =>
      h(
        doc,
        'span',
        {
          class: `mention${m.me ? ' me' : ''}${m.pinned ? '' : ' unpinned'}`,
          // The fingerprint says who is meant; an unpinned name is only what the sender wrote.
          title: `${m.name}: ${m.fingerprint}${m.me ? ' (you)' : ''}${m.pinned ? '' : ' (no name pinned for this key here)'}`,
        },
        [`@${m.name}`],
      ),
    ),
  );
}
