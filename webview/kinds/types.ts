// What a kind's renderer gets from the message list: the document and the list's object-URL cache.

import type { ViewImage } from '../../protocol/webview';

export interface RenderContext {
  doc: Document;
  /** A blob: URL for an image's bytes, made once per message and released by the list. */
  imageUrl(cid: string, image: ViewImage): string;
  /** The one-line quote of message `id` (sender: first line, or "image"), when the list has it. */
  quote?(id: number): string | undefined;
}

/** Draws the body of one view item kind (the list draws the sender line and the row around it). */
export type Renderer<V> = (item: V, context: RenderContext) => HTMLElement;
