// A ChatSession as the extension makes one (file outbox, memento cursors and pins, test KDF), and
// the messages it posts to the view: for the host tests that run two users against the real server.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../client/file-store';
import type { ChatClientOptions } from '../../client/chat-client';
import { generateIdentity, type Identity } from '../../client/keys';
import { ChatSession } from '../../extension/session';
import { MementoCursorStore, MementoPinStore } from '../../extension/stores';
import type { HostMessage } from '../../protocol/webview';
import { TEST_KDF } from '../support/kdf';
import { startServer, type TestServer } from '../support/server';
import { InMemoryMemento } from './fakes';

export interface SessionHarness {
  session: ChatSession;
  /** Everything the session posted to the view, in order. */
  posts: HostMessage[];
}

/** `identity` and `client` let a later session of the same person take over (its epoch keys, for example). */
export function testSession(server: string, name: string, opts: { identity?: Identity; client?: Partial<ChatClientOptions> } = {}): SessionHarness {
  const memento = new InMemoryMemento();
  const session = new ChatSession({
    server,
    name,
    identity: opts.identity ?? generateIdentity(),
    outbox: new FileStateStore(mkdtempSync(join(tmpdir(), 'message-app-outbox-'))),
    cursors: new MementoCursorStore(memento, server),
    pins: new MementoPinStore(memento, server),
    client: { createKdf: TEST_KDF, kdfFloor: TEST_KDF, connection: { backoffMinMs: 50, backoffMaxMs: 200 }, ...opts.client },
  });
  const posts: HostMessage[] = [];
  session.onEvent((e) => {
    if (e.type === 'view') posts.push(e.message);
  });
  return { session, posts };
}

/**
 * Mocha hooks for a suite of sessions against one real server: it starts before the suite, the
 * sessions pushed on `open` close after each test, and it stops after the suite.
 */
export function sessionsOnRealServer(): { readonly server: TestServer; open: ChatSession[] } {
  let server: TestServer | undefined;
  const open: ChatSession[] = [];
  before(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  after(async () => {
    await server?.stop();
  });
  return {
    get server(): TestServer {
      if (!server) throw new Error('the server is used before the suite started it');
      return server;
    },
    open,
  };
}
