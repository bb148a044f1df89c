// A happy-dom document for the webview tests, and an in-memory host channel
// that records what the webview posts (the webview's only boundary).

import { Window } from 'happy-dom';
import type { HostMessage, WebviewMessage } from '../../protocol/webview';
import { ChatApp } from '../../webview/elements/app';
import type { HostChannel } from '../../webview/vscode-api';

export interface Mounted {
  window: Window;
  document: Document;
  app: ChatApp;
  posted: WebviewMessage[];
  /** Delivers a host message as the real channel would (after its guard). */
  deliver(message: HostMessage): void;
  root: HTMLElement;
  close(): Promise<void>;
}

export function mount(): Mounted {
  const window = new Window({ url: 'https://webview.test/' });
  const document = window.document as unknown as Document;
  const container = document.createElement('div');
  document.body.append(container);
  const posted: WebviewMessage[] = [];
  let listener: ((m: HostMessage) => void) | undefined;
  const channel: HostChannel = {
    post: (m) => posted.push(m),
    onMessage: (l) => {
      listener = l;
      return () => (listener = undefined);
    },
  };
  const app = new ChatApp(document, container, channel);
  app.start();
  return {
    window,
    document,
    app,
    posted,
    root: container,
    deliver: (m) => listener?.(m),
    close: async () => {
      app.dispose();
      await window.happyDOM.close();
    },
  };
}
