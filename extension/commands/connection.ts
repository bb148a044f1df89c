// Connection commands: Connect to Server... (the connect flow), Disconnect, Focus Chat.

import type { ChatApp } from '../app';

export function connect(app: ChatApp): Promise<void> {
  return app.connectFlow.connect();
}

/** Closes the session, keeping its history on screen read-only; unsent messages stay in the outbox for the next connect. */
export function disconnect(app: ChatApp): Promise<void> {
  return app.sessions.disconnect();
}

export function focus(app: ChatApp): Promise<void> {
  return app.focus();
}
