// The webview's only way to talk to the extension host: a thin wrapper over
// acquireVsCodeApi() that checks every incoming message with the shared guard.

import { parseHostMessage, type HostMessage, type WebviewMessage } from '../protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What the app needs from the host; tests pass an in-memory one. */
export interface HostChannel {
  post(message: WebviewMessage): void;
  /** Calls the listener with each valid host message; returns a function that stops it. */
  onMessage(listener: (message: HostMessage) => void): () => void;
}

export function connectToHost(win: Window): HostChannel {
  // acquireVsCodeApi may be called once per page load.
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    onMessage(listener) {
      const handler = (event: MessageEvent<unknown>): void => {
        const message = parseHostMessage(event.data);
        if (message) listener(message);
        else console.warn('message-app: ignored an invalid message from the host');
      };
      win.addEventListener('message', handler);
      return () => win.removeEventListener('message', handler);
    },
  };
}
