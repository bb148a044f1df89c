// "Connect to Server..." step by step: ask only for what is missing (server,
// room, display name), check that the server answers right after its address is
// known (offering to change it or try again when it does not), connect, save the
// answers only once the connection worked, then join the room with its
// passphrase. The address box also takes an invite (client/invite.ts): it names
// server and room, and its certificate fingerprint is pinned without the
// first-use question. A new Connect while a question is left open (a dismissed toast
// keeps its promise pending) ends that flow and starts afresh, so Connect always
// works. Also the quiet reconnect at start-up, which never asks. Plain module (no
// `vscode`): the questions are injected, so the steps are tested against the
// real server on Node.

import { WrongPassphraseError } from '../client/errors';
import { INVITE_PREFIX, parseInvite } from '../client/invite';
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
  /**
   * Rejects (with the ClientError to show) when nothing answers at the address or its TLS
   * certificate is not trusted (trust.ts: asks on first use; `fingerprint`, from an invite, is
   * pinned without asking).
   */
  probe(server: string, fingerprint?: string): Promise<void>;
  keys: KeyStore;
  rooms: WindowRooms;
  /** Joins with the saved passphrase or asks (join-flow.ts), showing errors itself; whether it joined. */
  join(session: ChatSession, room: string): Promise<boolean>;
  notice(level: NoticeLevel, text: string): void;
  log: { error(line: string): void; warn(line: string): void };
}

/** What the address box gave: an address, or an invite's server, room and fingerprint. */
interface Target {
  server: string;
  room?: string;
  fingerprint?: string;
}

function target(answer: string): Target {
  if (!answer.trim().startsWith(INVITE_PREFIX)) return { server: answer };
  const invite = parseInvite(answer);
  return { server: invite.server, room: invite.room, ...(invite.fingerprint !== undefined ? { fingerprint: invite.fingerprint } : {}) };
}

/** One run of the flow: superseded (aborted) by a new Connect while it waits on the user. */
interface Run {
  readonly abort: AbortController;
  /** Waiting on a question (or the join's prompts), not on the network. */
  asking: boolean;
  promise: Promise<void>;
}

export class ConnectFlow {
  private running: Run | undefined;

  constructor(private readonly deps: ConnectDeps) {}

  /**
   * Runs the flow. While one runs and is busy connecting, a second call gets
   * that one; while one waits on a question, the second call ends it (its open
   * question counts as cancelled) and starts a new one.
   */
  connect(options: { askServer?: boolean; room?: string } = {}): Promise<void> {
    const previous = this.running;
    if (previous && !previous.asking) return previous.promise;
    previous?.abort.abort();
    const run: Run = { abort: new AbortController(), asking: false, promise: Promise.resolve() };
    run.promise = this.run(run, options).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run.promise;
  }

  /** A question of this run: its answer, or undefined once a newer Connect took over. */
  private async ask<T>(run: Run, question: () => Promise<T>): Promise<T | undefined> {
    if (run.abort.signal.aborted) return undefined;
    run.asking = true;
    const superseded = new Promise<undefined>((resolve) => run.abort.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
    try {
      return await Promise.race([question(), superseded]);
    } finally {
      run.asking = false;
    }
  }

  /**
   * After a failed attempt: says so, and asks to change the server or try again.
   * The server to try next, or undefined when the user gave up.
   */
  private async afterFailure(run: Run, error: unknown, server: Target): Promise<Target | undefined> {
    this.deps.log.error(logLine(error));
    this.deps.notice('error', userSentence(error));
    // Settings are saved only after a connection worked, so a typo is not kept; offer to fix it.
    const choice = await this.ask(run, () => this.deps.ui.connectFailed(userSentence(error)));
    if (choice === 'change') {
      const answer = await this.ask(run, () => this.deps.ui.askServer(server.server));
      return answer ? target(answer) : undefined;
    }
    return choice === 'retry' ? server : undefined;
  }

  /** Probes the server until it answers with a trusted certificate (or the user gives up); what answered. */
  private async reachable(run: Run, server: Target): Promise<Target | undefined> {
    for (;;) {
      if (this.deps.sessions.current?.server === server.server) return server;
      try {
        await this.deps.probe(server.server, server.fingerprint);
        return server;
      } catch (error) {
        const next = await this.afterFailure(run, error, server);
        if (!next) return undefined;
        server = next;
      }
    }
  }

  private async run(run: Run, options: { askServer?: boolean; room?: string }): Promise<void> {
    const { ui } = this.deps;
    const s = ui.settings();
    let first: Target = { server: s.server };
    // Already connected: "Connect to Server..." is how one changes server, so ask (prefilled).
    if (!s.server || validateServer(s.server) || (options.askServer ?? this.deps.sessions.current !== undefined)) {
      const answer = await this.ask(run, () => ui.askServer(s.server));
      if (!answer) return;
      first = target(answer);
    }
    // Before the other questions: an address that does not answer (or is not trusted) is said at once.
    const reached = await this.reachable(run, first);
    if (!reached) return;
    let server = reached.server;
    let room = reached.room ?? options.room ?? s.room;
    if (!isRoomName(room)) {
      const answer = await this.ask(run, () => ui.askRoom(room));
      if (!answer) return;
      room = answer;
    }
    let name = ui.configuredName();
    if (!name) {
      const answer = await this.ask(run, () => ui.askName(s.displayName));
      if (!answer) return;
      name = answer;
    }
    let session: ChatSession;
    for (;;) {
      if (run.abort.signal.aborted) return;
      try {
        session = await this.deps.sessions.ensure(server, name);
        break;
      } catch (error) {
        const next = await this.afterFailure(run, error, { server });
        if (!next) return;
        const again = await this.reachable(run, next);
        if (!again) return;
        server = again.server;
      }
    }
    if (run.abort.signal.aborted) return;
    await ui.saveSetting('server', server);
    if (!ui.configuredName()) await ui.saveSetting('displayName', name);
    if (session.state.room(room)) {
      session.selectRoom(room);
    } else if (!(await this.ask(run, () => this.deps.join(session, room)))) {
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
