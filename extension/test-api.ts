// What activate() returns when the extension runs under tests (ExtensionMode.Test
// or Development): enough for the integration suite to join a room without the
// input boxes, and to look at the state the view shows. Never in production.

import type { ViewSnapshot } from '../protocol/webview';
import type { KeyStore } from './key-store';
import type { SessionHost } from './session-host';
import type { WindowRooms } from './window-rooms';

export interface MessageAppTestApi {
  /** Connects (if needed) and joins, as the connect flow does after its questions. */
  join(server: string, room: string, name: string, passphrase: string, create: boolean): Promise<void>;
  sendText(text: string): Promise<string>;
  snapshot(): ViewSnapshot;
  /** The chat webview is resolved and has said `ready`. */
  viewReady(): boolean;
  disconnect(): Promise<void>;
  /** From now on Leave Room's confirmation answers this instead of showing a modal dialog. */
  answerLeave(answer: boolean): void;
  /** The value last set for one of the menu's context keys (menu-context.ts). */
  menuContext(key: string): string | boolean | undefined;
  /** Trusts the server's certificate with this fingerprint, as a pasted invite does (no question). */
  trustServer(server: string, fingerprint: string): Promise<void>;
}

export interface TestApiDeps {
  sessions: SessionHost;
  keys: KeyStore;
  rooms: WindowRooms;
  viewReady(): boolean;
  answerLeave(answer: boolean): void;
  menuContext(key: string): string | boolean | undefined;
  trustServer(server: string, fingerprint: string): Promise<void>;
}

export function createTestApi({ sessions, keys, rooms, viewReady, answerLeave, menuContext, trustServer }: TestApiDeps): MessageAppTestApi {
  return {
    join: async (server, room, name, passphrase, create) => {
      const session = await sessions.ensure(server, name);
      await session.join(room, passphrase, { create });
      await keys.storePassphrase(server, room, passphrase);
      rooms.remember(room);
    },
    sendText: async (text) => {
      const session = sessions.current;
      const room = session?.state.active;
      if (!session || !room) throw new Error('not joined');
      return session.sendText(room, text);
    },
    snapshot: () => sessions.snapshot(),
    viewReady,
    disconnect: () => sessions.disconnect(),
    answerLeave,
    menuContext,
    trustServer,
  };
}
