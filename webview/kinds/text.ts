// Draws a text message: text nodes and links only, never HTML from the message.

import type { ViewTextItem } from '../../protocol/webview';
import { h } from '../elements/dom';
import { TESTID } from '../elements/selectors';
import { splitLinks } from '../state';
import type { Renderer } from './types';

export const renderText: Renderer<ViewTextItem> = (item, { doc }) => {
  const body = h(doc, 'div', { class: 'text', 'data-testid': TESTID.messageText });
  for (const part of splitLinks(item.text)) {
    if (part.kind === 'text') body.append(doc.createTextNode(part.text));
    else body.append(h(doc, 'a', { href: part.url, 'data-url': part.url, 'data-testid': TESTID.messageLink }, [part.text]));
  }
  return body;
};
