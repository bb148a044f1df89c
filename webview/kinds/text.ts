// Draws a text message as safe Markdown (webview/markdown): DOM nodes from tokens, never HTML from the message;
// fenced blocks are highlighted by the host on request.

import type { ViewTextItem } from '../../protocol/webview';
import { h } from '../elements/dom';
import { TESTID } from '../elements/selectors';
import { renderMarkdown } from '../markdown/render';
import type { Renderer } from './types';

export const renderText: Renderer<ViewTextItem> = (item, context) => {
  const body = h(context.doc, 'div', { class: 'text md', 'data-testid': TESTID.messageText });
  body.append(
    renderMarkdown(context.doc, item.text, {
      openLink: context.openLink,
      copyCode: context.copy,
      renderCode: (lang, text) => (lang === '' ? null : context.highlight(lang, text)),
    }),
  );
  return body;
};

