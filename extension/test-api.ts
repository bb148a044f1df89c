// What activate() returns when the extension runs under tests (ExtensionMode.Test
// or Development): enough for the integration suite to join a room without the
// input boxes, and to look at the state the view shows. Never in production.

import type { ViewSnapshot } from '../protocol/webview';

export interface MessageAppTestApi {
  /** Connects (if needed) and joins, as the connect flow does after its questions. */
  join(server: string, room: string, name: string, passphrase: string, create: boolean): Promise<void>;
  sendText(text: string): Promise<string>;
  snapshot(): ViewSnapshot;
  /** The chat webview is resolved and has said `ready`. */
  viewReady(): boolean;
  disconnect(): Promise<void>;
}
