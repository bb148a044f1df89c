// What a kind's renderer gets from the message list: the document and the list's object-URL cache.

import type { CodeSnippet } from '../../protocol/code';
import type { ViewImage } from '../../protocol/webview';

export interface RenderContext {
  doc: Document;
  /** A blob: URL for an image's bytes: now when cached, later when the host answers; undefined with no cache (tests of the list alone). */
  imageUrl(image: ViewImage): string | Promise<string> | undefined;
  /** A link the user clicked (already http/https); the host opens it. */
  openLink(url: string): void;
  /** Copies text through the host's clipboard. */
  copy(text: string): void;
  /** The `<code>` for a block: plain now, highlighted when the host's tokens arrive. */
  highlight(lang: string, text: string): HTMLElement;
  openCode(code: CodeSnippet): void;
}

/** What the list's owner adds to the context (everything but the document and image URLs). */
export type KindHooks = Omit<RenderContext, 'doc' | 'imageUrl'>;

/** Draws the body of one view item kind (the list draws the sender line and the row around it). */
export type Renderer<V> = (item: V, context: RenderContext) => HTMLElement;
