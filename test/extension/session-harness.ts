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
