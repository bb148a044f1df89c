// "Connect to Server..." step by step: ask only for what is missing (server,
// room, display name), connect (offering to change the server or try again when
// that fails), save the answers only once the connection worked, then join the
// room with its passphrase. Also the quiet reconnect at start-up, which never
// asks. Plain module (no `vscode`): the questions are injected, so the steps are
// tested against the real server on Node.

import { WrongPassphraseError } from '../client/errors';
import { isRoomName } from '../protocol/names';
import type { NoticeLevel } from '../protocol/webview';
import type { Settings } from './config';
import { logLine, userSentence } from './errors';
import type { KeyStore } from './key-store';
import type { ChatSession } from './session';
import type { SessionHost } from './session-host';
import { validateServer } from './validate';
import type { WindowRooms } from './window-rooms';

export type SettingKey = 'server' | 'room' | 'displayName';

/** The questions and the settings, as input boxes and configuration in VS Code. */
export interface ConnectUi {
  settings(): Pick<Settings, SettingKey>;
  /** The display name the user set ('' when unset: then it is asked, the OS user name proposed). */
  configuredName(): string;
  askServer(current: string): Promise<string | undefined>;
  askRoom(current: string): Promise<string | undefined>;
  askName(proposed: string): Promise<string | undefined>;
  /** Connecting failed with this sentence: change the server, try again, or give up (undefined). */
  connectFailed(sentence: string): Promise<'change' | 'retry' | undefined>;
  saveSetting(key: SettingKey, value: string): Promise<void>;
  /** Shows the chat view with the composer focused. */
  focus(): Promise<void>;
}

export interface ConnectDeps {
  ui: ConnectUi;
  sessions: Pick<SessionHost, 'current' | 'ensure'>;
  keys: KeyStore;
  rooms: WindowRooms;
  /** Joins with the saved passphrase or asks (join-flow.ts), showing errors itself; whether it joined. */
  join(session: ChatSession, room: string): Promise<boolean>;
  notice(level: NoticeLevel, text: string): void;
  log: { error(line: string): void; warn(line: string): void };
}

export class ConnectFlow {
  /** The flow in progress, so a second invocation waits for it instead of racing. */
  private running: Promise<void> | undefined;

  constructor(private readonly deps: ConnectDeps) {}

  /** Runs the flow, or returns the one already running. */
  connect(options: { askServer?: boolean; room?: string } = {}): Promise<void> {
    if (this.running) return this.running;
    this.running = this.run(options).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(options: { askServer?: boolean; room?: string }): Promise<void> {
    const { ui } = this.deps;
    const s = ui.settings();
    let server = s.server;
    // Already connected: "Connect to Server..." is how one changes server, so ask (prefilled).
    if (!server || validateServer(server) || (options.askServer ?? this.deps.sessions.current !== undefined)) {
      const answer = await ui.askServer(server);
      if (!answer) return;
      server = answer;
    }
    let room = options.room ?? s.room;
    if (!isRoomName(room)) {
      const answer = await ui.askRoom(room);
      if (!answer) return;
      room = answer;
    }
    let name = ui.configuredName();
    if (!name) {
      const answer = await ui.askName(s.displayName);
      if (!answer) return;
      name = answer;
    }
    let session: ChatSession;
    for (;;) {
      try {
        session = await this.deps.sessions.ensure(server, name);
        break;
      } catch (error) {
        this.deps.log.error(logLine(error));
        this.deps.notice('error', userSentence(error));
        // Settings are saved only after a connection worked, so a typo is not kept; offer to fix it.
        const choice = await ui.connectFailed(userSentence(error));
        if (choice === 'change') {
          const answer = await ui.askServer(server);
          if (!answer) return;
          server = answer;
        } else if (choice !== 'retry') {
          return;
        }
      }
    }
    await ui.saveSetting('server', server);
    if (!ui.configuredName()) await ui.saveSetting('displayName', name);
    if (session.state.room(room)) {
      session.selectRoom(room);
    } else if (!(await this.deps.join(session, room))) {
      return;
    }
    await ui.saveSetting('room', room);
    this.deps.rooms.remember(room);
    await ui.focus();
  }

  /** Connects again when server, name, rooms and their passphrases are all known; never asks. */
  async reconnectOnStartup(): Promise<void> {
    const s = this.deps.ui.settings();
    if (!s.server || validateServer(s.server) || !s.displayName) return;
    const rooms = this.deps.rooms.list();
    if (rooms.length === 0 && isRoomName(s.room)) rooms.push(s.room);
    const known: Array<{ room: string; passphrase: string }> = [];
    for (const room of rooms) {
      const passphrase = await this.deps.keys.passphrase(s.server, room);
      if (passphrase) known.push({ room, passphrase });
    }
    if (known.length === 0) return;
    // A server that is down at start-up is retried in the background; the joins wait for it.
    const session = await this.deps.sessions.ensure(s.server, s.displayName, true);
    for (const [i, { room, passphrase }] of known.entries()) {
      try {
        await session.join(room, passphrase, { activate: i === 0 || room === s.room });
      } catch (error) {
        this.deps.log.warn(`rejoining ${room} on start-up failed: ${logLine(error)}`);
        if (error instanceof WrongPassphraseError) {
          await this.deps.keys.forgetPassphrase(s.server, room);
          this.deps.notice('error', `The saved passphrase for room "${room}" no longer works. Use Connect to Server... to enter it again.`);
        } else {
          this.deps.notice('error', userSentence(error));
        }
      }
    }
  }
}
