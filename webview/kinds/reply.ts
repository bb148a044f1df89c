// Draws a reply: a one-line quote of the answered message (a button that jumps to it) above the reply's text.

import type { ViewReplyItem } from '../../protocol/webview';
import { h } from '../elements/dom';
import { TESTID } from '../elements/selectors';
import type { Renderer } from './types';
import { renderText } from './text';

export const renderReply: Renderer<ViewReplyItem> = (item, context) => {
  const quoteText = context.quote?.(item.replyTo) ?? 'a message that is not loaded yet';
  // A button, not a link: the list handles data-jump-to (loading older pages until the target shows).
  const quote = h(
    context.doc,
    'button',
    { class: 'reply-quote', type: 'button', 'data-jump-to': item.replyTo, 'data-testid': TESTID.replyQuote, title: 'Show the message this answers' },
    [`↪ ${quoteText}`],
  );
  const text = renderText({ ...item, kind: 'text' }, context);
  return h(context.doc, 'div', { class: 'reply' }, [quote, text]);
};
