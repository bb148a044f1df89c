// What every e2e part after part 2 is given by run.ts, and the helpers the parts share.

import type { Browser } from 'playwright-core';
import { ChatClient } from '../../client/chat-client';
import { generateIdentity } from '../../client/keys';
import { MemoryOutboxStore } from '../../client/storage';
import type { CodeServer } from './code-server';
import { E2eError } from './proc';
import type { Report } from './report';
import type { Tools } from './setup';
import type { TestServer } from '../support/server';
import type { Screenshots, Workbench } from './workbench';

export interface PartOptions {
  browser: Browser;
  tools: Tools;
  stateDir: string;
  vsix: string;
  server: TestServer;
  shots: Screenshots;
  report: Report;
  /** What the part opens, so run.ts can close it whatever happens. */
  open: { workbenches: Workbench[]; servers: CodeServer[] };
}

/** Polls `check` until it is true (a throw counts as not yet); fails with `what` after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new E2eError('timeout', `${what} (waited ${timeoutMs / 1000} s)`);
}

/**
 * Creates `room` through the client core (pinned to the e2e server's certificate), so the users in
 * VS Code join an existing room: creating one from VS Code asks for a strong new passphrase (part 2's
 * rooms are made the same way, by the CLI).
 */
export async function createRoom(server: TestServer, room: string, passphrase: string): Promise<void> {
  const client = new ChatClient({ address: server.address, tls: { pin: server.fingerprint ?? '' }, identity: generateIdentity(), name: 'Setup', outbox: new MemoryOutboxStore() });
  try {
    await client.connect();
    await client.joinRoom(room, passphrase, { create: true });
  } finally {
    client.close();
  }
}
