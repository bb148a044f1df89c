// A message's time on its sender line: the sender's signed time, and the server's beside it when the two disagree.

import type { ViewItem } from '../../protocol/webview';
import { formatTime } from '../state';
import { h } from './dom';
import { TESTID } from './selectors';

type Shown = Exclude<ViewItem, { kind: 'placeholder' | 'line' }>;

/**
 * The time elements of a sender line. `serverTime` is the row's formatted server time. The host
 * sets `signedAt` only when the signed time is more than five minutes from the server's (within
 * that they show the same minute or nearly): then the signed time is the message time and the
 * server's follows as "(server HH:MM)", so a replay or a skewed clock shows.
 */
export function timeMarks(doc: Document, item: Shown, serverTime: string): HTMLElement[] {
  if (item.signedAt === undefined) {
    return [h(doc, 'time', { 'data-testid': TESTID.messageTime, datetime: new Date(item.ts).toISOString() }, [serverTime])];
  }
  const signed = new Date(item.signedAt);
  const server = new Date(item.ts);
  return [
    h(doc, 'time', { 'data-testid': TESTID.messageTime, datetime: signed.toISOString(), title: `Signed by the sender at ${signed.toISOString()}` }, [formatTime(signed)]),
    h(doc, 'span', { class: 'signed-time', 'data-testid': TESTID.signedTime, title: `The sender's signed time is ${signed.toISOString()}; the server received it at ${server.toISOString()}.` }, [
      `(server ${serverTime})`,
    ]),
  ];
}
