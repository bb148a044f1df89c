// The connect flow's test harness: a ConnectFlow and SessionHost against a real server, with the
// VS Code questions and storage as scripted fakes (the only boundary Node cannot reach). Optionally
// a ServerTrust, for a server with TLS.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectFlow, type ConnectUi, type SettingKey } from '../../extension/connect-flow';
import { joinWithPassphrase, type JoinPrompts } from '../../extension/join-flow';
import { KeyStore } from '../../extension/key-store';
import { probeServer } from '../../extension/reachability';
import type { SessionEvent } from '../../extension/session';
import { SessionHost } from '../../extension/session-host';
import type { ServerTrust } from '../../extension/trust';
import { WindowRooms } from '../../extension/window-rooms';
import type { HostMessage } from '../../protocol/webview';
import { InMemoryMemento, InMemorySecretStorage } from './fakes';

// Cheap key derivation for tests only (the client refuses these parameters otherwise).
export const FAST_KDF = { n: 2 ** 10, r: 8, p: 1 };
/** Nothing listens on port 1 of 127.0.0.1: connecting fails at once. */
export const NOWHERE = '127.0.0.1:1';

export interface Harness {
  flow: ConnectFlow;
  host: SessionHost;
  keys: KeyStore;
  secrets: InMemorySecretStorage;
  /** The global storage folder (outbox, replay memory). */
  storageDir: string;
  rooms: WindowRooms;
  settings: Record<SettingKey, string>;
  /** The user's answers, consumed in order; a missing answer is a cancel. */
  answers: { server: string[]; room: string[]; name: string[]; afterFailure: Array<'change' | 'retry' | 'leave open' | undefined>; passphrase: string[] };
  asked: string[];
  saved: string[];
  notices: string[];
  posts: HostMessage[];
  events: SessionEvent[];
}

export function harness(settings: Partial<Record<SettingKey, string>> = {}, secrets = new InMemorySecretStorage(), trust?: ServerTrust, memento = new InMemoryMemento()): Harness {
  const h: Harness = {
    settings: { server: '', room: '', displayName: '', ...settings },
    answers: { server: [], room: [], name: [], afterFailure: [], passphrase: [] },
    asked: [],
    saved: [],
    notices: [],
    posts: [],
    events: [],
    secrets,
    keys: new KeyStore(secrets),
    rooms: new WindowRooms(new InMemoryMemento()),
    storageDir: mkdtempSync(join(tmpdir(), 'message-app-storage-')),
  } as unknown as Harness;
  const log = { error: (): void => undefined, warn: (): void => undefined, info: (): void => undefined };
  h.host = new SessionHost({
    identity: () => h.keys.identity(),
    storageDir: h.storageDir,
    memento,
    // Without a ServerTrust the suite's server runs with --tls off.
    tls: (server) => (trust ? trust.tlsFor(server) : Promise.resolve(false)),
    viewVisible: () => true,
    post: (m) => h.posts.push(m),
    onSessionEvent: (e) => h.events.push(e),
    onChange: () => undefined,
    onKeepTrying: (sentence) => h.notices.push(`info ${sentence}`),
    log,
    client: { createKdf: FAST_KDF, kdfFloor: FAST_KDF, connection: { backoffMinMs: 50, backoffMaxMs: 200 } },
  });
  let typed: string | undefined;
  const prompts: JoinPrompts = {
    passphrase: async (room, _server, again) => {
      h.asked.push(again ? `confirm ${room}` : `passphrase ${room}`);
      if (!again) typed = h.answers.passphrase.shift();
      return typed;
    },
    wrongPassphrase: async () => false,
    confirmCreate: async (room) => {
      h.asked.push(`create ${room}`);
      return true;
    },
    mismatch: () => undefined,
    newRoomPassphrase: async (room, _generated, weakness) => {
      h.asked.push(weakness === undefined ? `new passphrase ${room}` : `weak passphrase ${room}`);
      return weakness === undefined ? 'typed' : 'generated';
    },
  };
  const ui: ConnectUi = {
    settings: () => ({ ...h.settings, displayName: h.settings.displayName || 'OsUser' }),
    configuredName: () => h.settings.displayName,
    askServer: async (current) => {
      h.asked.push(`server (${current})`);
      return h.answers.server.shift();
    },
    askRoom: async () => {
      h.asked.push('room');
      return h.answers.room.shift();
    },
    askName: async (proposed) => {
      h.asked.push(`name (${proposed})`);
      return h.answers.name.shift();
    },
    connectFailed: async () => {
      h.asked.push('after failure');
      const answer = h.answers.afterFailure.shift();
      // A toast the user dismissed: VS Code never settles its promise.
      return answer === 'leave open' ? new Promise<undefined>(() => undefined) : answer;
    },
    saveSetting: async (key, value) => {
      h.saved.push(`${key}=${value}`);
      h.settings[key] = value;
    },
    focus: async () => {
      h.asked.push('focus');
    },
  };
  h.flow = new ConnectFlow({
    ui,
    sessions: h.host,
    probe: (address, fingerprint) => (trust ? trust.check(address, fingerprint) : probeServer(address)),
    keys: h.keys,
    rooms: h.rooms,
    join: async (session, room) => (await joinWithPassphrase(session, h.keys, room, prompts)) !== 'cancelled',
    notice: (level, text) => h.notices.push(`${level} ${text}`),
    log,
  });
  return h;
}

