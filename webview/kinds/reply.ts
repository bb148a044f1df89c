// Draws a reply: a one-line quote of the answered message (sender and preview, as the host found it) above the reply's text.

import type { ViewReplyItem } from '../../protocol/webview';
import { h } from '../elements/dom';
import { TESTID } from '../elements/selectors';
import type { Renderer } from './types';
import { renderText } from './text';

export const renderReply: Renderer<ViewReplyItem> = (item, context) => {
  const to = item.replyTo;
  const quoteText = to.preview === null ? 'a message that is not loaded' : to.sender ? `${to.sender.name}: ${to.preview}` : to.preview;
  // Text only (textContent through h): the preview is message text and never becomes HTML.
  const quote = h(context.doc, 'div', { class: 'reply-quote', 'data-reply-to': to.id, 'data-testid': TESTID.replyQuote }, [`↪ ${quoteText}`]);
  const text = renderText({ ...item, kind: 'text' }, context);
  return h(context.doc, 'div', { class: 'reply' }, [quote, text]);
};
