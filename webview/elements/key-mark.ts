// The sender's key mark on a message's sender line: fingerprint verified (compared by the user),
// verified at first sight, or why not ("changed key", "looks like Ada"). Right-clicking it offers
// Verify Fingerprint... or Trust New Key... (package.json's webview/context, by data-vscode-context).

import type { ViewItem } from '../../protocol/webview';
import { keyMarkLabel } from '../a11y';
import { h, icon } from './dom';
import { TESTID } from './selectors';

type Shown = Exclude<ViewItem, { kind: 'placeholder' | 'line' }>;

/** The label shown for an unverified sender; the host's reason when it sent one, else the old "changed key". */
export function unverifiedLabel(item: Shown): string {
  return item.why ?? 'changed key';
}

/**
 * The context menu's view of a sender (only someone else's messages): which key, which name, and
 * whether it shows a changed key (Trust New Key...) or not (Verify Fingerprint...).
 */
function senderContext(item: Shown): Record<string, string> {
  if (item.own) return {};
  const standing = item.verified ? 'pinned' : item.why === undefined || item.why === 'changed key' ? 'changed' : 'other';
  return {
    'data-vscode-context': JSON.stringify({ webviewSection: 'sender', fingerprint: item.from.fingerprint, name: item.from.name, senderStanding: standing, preventDefaultContextMenuItems: true }),
  };
}

/** The mark: a shield for a compared key, a check for a verified sender; a warning with the reason (never a check) otherwise. */
export function keyMark(doc: Document, item: Shown): HTMLElement {
  if (item.verified && item.compared === true) {
    const title = `Fingerprint verified: you compared ${item.from.fingerprint} with ${item.from.name}`;
    const attrs = { class: 'key compared', 'data-testid': TESTID.messageKey, 'data-verified': 'true', 'data-compared': 'true', title, role: 'img', 'aria-label': keyMarkLabel(true, true) };
    return h(doc, 'span', { ...attrs, ...senderContext(item) }, [icon(doc, 'workspace-trusted')]);
  }
  if (item.verified) {
    const attrs = { class: 'key verified', 'data-testid': TESTID.messageKey, 'data-verified': 'true', title: `Identity key ${item.from.fingerprint} (first seen; not compared)`, role: 'img', 'aria-label': keyMarkLabel(true) };
    return h(doc, 'span', { ...attrs, ...senderContext(item) }, [icon(doc, 'pass')]);
  }
  const label = unverifiedLabel(item);
  // A look-alike name is not the pinned person: the title says whose pin it resembles and which key wrote it.
  const title = item.why === undefined || item.why === 'changed key' ? `${item.from.name} wrote from another key before. This key: ${item.from.fingerprint}` : `Not verified: ${label}. This key: ${item.from.fingerprint}`;
  return h(doc, 'span', { class: 'key changed', 'data-testid': TESTID.messageKey, 'data-verified': 'false', 'data-why': label, title, ...senderContext(item) }, [icon(doc, 'warning'), ` ${label}`]);
}
