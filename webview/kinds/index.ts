// The webview's registry of kind renderers: one line per view item kind, a Record so a kind without a renderer does not compile.

import type { ViewItem } from '../../protocol/webview';
import { mentionChips } from '../elements/mention-chips';
import { renderCode } from './code';
import { renderFile } from './file';
import { renderImage } from './image';
import { renderLine } from './line';
import { renderPlaceholder } from './placeholder';
import { renderReply } from './reply';
import { renderText } from './text';
import type { RenderContext, Renderer } from './types';

type Renderers = { [K in ViewItem['kind']]: Renderer<Extract<ViewItem, { kind: K }>> };

export const RENDERERS: Renderers = {
  text: renderText,
  image: renderImage,
  code: renderCode,
  file: renderFile,
  placeholder: renderPlaceholder,
  reply: renderReply,
  line: renderLine,
};

/** The body element of a view item, drawn by its kind's renderer. */
export function renderBody(item: ViewItem, context: RenderContext): HTMLElement {
  // The discriminant guarantees the renderer matches the item; TypeScript cannot relate them across the mapped type.
  const render = RENDERERS[item.kind] as Renderer<ViewItem>;
  const body = render(item, context);
  // Mentions (any kind): who is meant, under the body; a mention of the reader marks the body too.
  if (item.kind !== 'placeholder' && item.kind !== 'line' && item.mentions && item.mentions.length > 0) {
    body.append(mentionChips(context.doc, item.mentions));
    if (item.mentions.some((m) => m.me)) body.classList.add('mentions-me');
  }
  return body;
}

export type { KindHooks, RenderContext } from './types';
