// The sender's key mark on a message's sender line: verified, or why not ("changed key", "looks like Ada").

import type { ViewItem } from '../../protocol/webview';
import { keyMarkLabel } from '../a11y';
import { h, icon } from './dom';
import { TESTID } from './selectors';

type Shown = Exclude<ViewItem, { kind: 'placeholder' }>;

/** The label shown for an unverified sender; the host's reason when it sent one, else the old "changed key". */
export function unverifiedLabel(item: Shown): string {
  return item.why ?? 'changed key';
}

/** The mark: a check for a verified sender; a warning with the reason (never a check) otherwise. */
export function keyMark(doc: Document, item: Shown): HTMLElement {
  if (item.verified) {
    return h(doc, 'span', { class: 'key verified', 'data-testid': TESTID.messageKey, 'data-verified': 'true', title: `Identity key ${item.from.fingerprint}`, role: 'img', 'aria-label': keyMarkLabel(true) }, [icon(doc, 'pass')]);
  }
  const label = unverifiedLabel(item);
  // A look-alike name is not the pinned person: the title says whose pin it resembles and which key wrote it.
  const title = item.why === undefined || item.why === 'changed key' ? `${item.from.name} wrote from another key before. This key: ${item.from.fingerprint}` : `Not verified: ${label}. This key: ${item.from.fingerprint}`;
  return h(doc, 'span', { class: 'key changed', 'data-testid': TESTID.messageKey, 'data-verified': 'false', 'data-why': label, title }, [icon(doc, 'warning'), ` ${label}`]);
}
