// Draws a shared snippet (the code kind): `path:12-30` or its language, the highlighted block with Copy, and Open.

import { snippetTitle } from '../../protocol/code';
import type { ViewCodeItem } from '../../protocol/webview';
import { h, icon } from '../elements/dom';
import { codeBlock } from '../markdown/code';
import type { Renderer } from './types';

export const CODE_KIND_TESTID = { snippet: 'code-snippet', title: 'code-title', open: 'code-open' } as const;

export const renderCode: Renderer<ViewCodeItem> = (item, context) => {
  const { doc } = context;
  const { code } = item;
  const open = h(doc, 'button', { type: 'button', class: 'code-open', title: 'Open in an editor', 'aria-label': `Open ${snippetTitle(code)} in an editor`, 'data-testid': CODE_KIND_TESTID.open }, [
    icon(doc, 'go-to-file'),
    ' Open',
  ]);
  open.addEventListener('click', (event) => {
    event.preventDefault();
    event.stopPropagation();
    context.openCode(code);
  });
  const title = h(doc, 'div', { class: 'code-title' }, [
    h(doc, 'span', { class: 'code-path', title: snippetTitle(code), 'data-testid': CODE_KIND_TESTID.title }, [snippetTitle(code)]),
    open,
  ]);
  const block = codeBlock(doc, { lang: code.lang, text: code.text, code: context.highlight(code.lang, code.text), copy: context.copy });
  return h(doc, 'div', { class: 'code-snippet', 'data-testid': CODE_KIND_TESTID.snippet }, [title, block]);
};
