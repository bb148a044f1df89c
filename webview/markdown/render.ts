// Markdown -> DOM nodes for a message, built from markdown-it's tokens with
// createElement and text nodes only: no HTML string is ever parsed, so nothing a
// message says can become markup, and only http(s) links become clickable.

import { h } from '../elements/dom';
import { codeBlock } from './code';
import { parseMarkdown, safeLinkUrl, type Token } from './parse';

export interface MarkdownHooks {
  /** A click on a link (already checked to be http or https); the host opens it. */
  openLink(url: string): void;
  /** Copy of a code block's text. */
  copyCode(text: string): void;
  /**
   * The `<code>` element for a fenced block (highlighted tokens from the host),
   * or null for plain text. `lang` is the first word after the fence, maybe ''.
   */
  renderCode?(lang: string, text: string): Node | null;
}

export const MARKDOWN_TESTID = { link: 'message-link' } as const;

/** The first word of a fence's info string: "ts {1,3}" is "ts". */
export function fenceLanguage(info: string): string {
  return info.trim().split(/\s+/)[0] ?? '';
}

export function renderMarkdown(doc: Document, source: string, hooks: MarkdownHooks): DocumentFragment {
  const root = doc.createDocumentFragment();
  // Each open token pushes the node its children go into; a token that makes no
  // element (a tight list's hidden paragraph) pushes its parent again.
  const stack: ParentNode[] = [root];
  const top = (): ParentNode => stack[stack.length - 1] ?? root;
  const parsed = parseMarkdown(source);
  if (parsed.plain) {
    appendText(doc, root, source);
    return root;
  }
  for (const token of parsed.tokens) {
    if (token.nesting === -1) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    if (token.nesting === 1) {
      const el = blockElement(doc, token);
      if (el) top().append(el);
      stack.push(el ?? top());
      continue;
    }
    switch (token.type) {
      case 'inline':
        renderInline(doc, top(), token.children ?? [], hooks);
        break;
      case 'fence':
      case 'code_block': {
        const lang = token.type === 'fence' ? fenceLanguage(token.info) : '';
        // The fence's closing newline is not part of the code.
        const text = token.content.endsWith('\n') ? token.content.slice(0, -1) : token.content;
        top().append(codeBlock(doc, { lang, text, code: hooks.renderCode?.(lang, text) ?? null, copy: hooks.copyCode }));
        break;
      }
      default:
        // Rules we disabled do not produce tokens; anything else shows its source as text.
        if (token.content) appendText(doc, top(), token.content);
    }
  }
  return root;
}

/** A token attribute as a string (markdown-it types them string | number). */
function attr(token: Token, name: string): string | null {
  const value = token.attrGet(name);
  return value === null ? null : String(value);
}

function blockElement(doc: Document, token: Token): HTMLElement | null {
  switch (token.type) {
    case 'paragraph_open':
      return token.hidden ? null : h(doc, 'p');
    case 'bullet_list_open':
      return h(doc, 'ul');
    case 'ordered_list_open': {
      const start = Number(token.attrGet('start') ?? 1);
      return h(doc, 'ol', { start: Number.isSafeInteger(start) && start !== 1 ? start : null });
    }
    case 'list_item_open':
      return h(doc, 'li');
    case 'blockquote_open':
      return h(doc, 'blockquote');
    default:
      return null;
  }
}

function renderInline(doc: Document, parent: ParentNode, tokens: Token[], hooks: MarkdownHooks): void {
  const stack: ParentNode[] = [parent];
  const top = (): ParentNode => stack[stack.length - 1] ?? parent;
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
        appendText(doc, top(), token.content);
        break;
      case 'softbreak':
      case 'hardbreak':
        top().append(h(doc, 'br'));
        break;
      case 'code_inline':
        top().append(h(doc, 'code', { class: 'md-code-inline' }, [token.content]));
        break;
      case 'image':
        top().append(imageAsLink(doc, token, hooks));
        break;
      case 'link_close':
      case 'em_close':
      case 'strong_close':
      case 's_close':
        if (stack.length > 1) stack.pop();
        break;
      case 'link_open': {
        const url = safeLinkUrl(attr(token, 'href') ?? '');
        const el = url ? link(doc, url, attr(token, 'title'), hooks) : null;
        if (el) top().append(el);
        stack.push(el ?? top());
        break;
      }
      case 'em_open':
      case 'strong_open':
      case 's_open': {
        const el = h(doc, token.tag === 'strong' ? 'strong' : token.tag === 's' ? 's' : 'em');
        top().append(el);
        stack.push(el);
        break;
      }
      default:
        if (token.nesting === 1) stack.push(top());
        else if (token.nesting === -1) {
          if (stack.length > 1) stack.pop();
        } else if (token.content) appendText(doc, top(), token.content);
    }
  }
}

/** Text with its line breaks, joined to a preceding text node (fewer nodes for long runs of literal text). */
function appendText(doc: Document, parent: ParentNode, text: string): void {
  text.split('\n').forEach((line, i) => {
    if (i > 0) parent.append(h(doc, 'br'));
    if (line === '') return;
    const last = parent.lastChild;
    if (last && last.nodeType === 3) (last as Text).appendData(line);
    else parent.append(doc.createTextNode(line));
  });
}

function link(doc: Document, url: string, title: string | null, hooks: MarkdownHooks): HTMLElement {
  // href lets the webview show the target and focus the link; the click never navigates.
  const a = h(doc, 'a', { href: url, 'data-url': url, title: title || url, 'data-testid': MARKDOWN_TESTID.link });
  const open = (event: Event): void => {
    event.preventDefault();
    event.stopPropagation();
    hooks.openLink(url);
  };
  a.addEventListener('click', open);
  // A middle click must not navigate either; it opens through the host like a click.
  a.addEventListener('auxclick', open);
  return a;
}

/** `![alt](url)` never loads anything: it is a link to the image, labelled with its alt text. */
function imageAsLink(doc: Document, token: Token, hooks: MarkdownHooks): Node {
  const alt = token.content;
  const url = safeLinkUrl(attr(token, 'src') ?? '');
  if (!url) return doc.createTextNode(alt);
  const a = link(doc, url, attr(token, 'title'), hooks);
  a.classList.add('md-image-link');
  a.append(doc.createTextNode(alt || url));
  return a;
}
