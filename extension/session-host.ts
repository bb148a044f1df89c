// The lifetime of this window's ChatSession: made (and connected) for a server
// and display name when needed, replaced when either changes, closed on
// disconnect; its events go to one listener and the view gets a fresh snapshot
// whenever the session comes or goes. After Disconnect the view keeps the closed
// session's history (read-only, state "closed") until another session comes. Plain module (no `vscode`): tested
// against the real server on Node.

import { ClientError } from '../client/errors';
import type { ChatClientOptions } from '../client/chat-client';
import type { TlsOptions } from '../client/connection';
import type { Identity } from '../client/keys';
import type { HostMessage, ViewSnapshot } from '../protocol/webview';
import { logLine } from './errors';
import { ChatSession, type SessionEvent } from './session';
import { ChatState } from './state/chat-state';
import { MementoCursorStore, MementoPinStore, MementoRoomParamStore, openOutbox, openReplayMemory, type KeyValueStore } from './stores';
import { forExtension } from './trust';

export interface SessionHostDeps {
  identity(): Promise<Identity>;
  /** The extension's global storage folder (the outbox lives under it). */
  storageDir: string;
  /** globalState: cursors, pins and room key-parameter pins. */
  memento: KeyValueStore;
  /** How to connect to a server (trust.ts's ServerTrust.tlsFor): false is plain TCP, chosen in the settings. */
  tls(server: string): Promise<false | TlsOptions>;
  viewVisible(): boolean;
  post(message: HostMessage): void;
  /** Every event of the current session. */
  onSessionEvent(event: SessionEvent): void;
  /** A session came or went (indicators follow). */
  onChange(): void;
  /** A server that is down at start-up: said once, retried in the background. */
  onKeepTrying(sentence: string): void;
  log: { warn(line: string): void };
  /** Extra client options (tests lower the KDF floor). */
  client?: Partial<ChatClientOptions>;
}

export class SessionHost {
  private session: ChatSession | undefined;
  private stopEvents: (() => void) | undefined;
  /** What a disconnected session showed, kept on screen read-only. */
  private kept: ChatState | undefined;
  private sessionTls: false | TlsOptions = false;

  constructor(private readonly deps: SessionHostDeps) {}

  get current(): ChatSession | undefined {
    return this.session;
  }

  /** The current session talks plain TCP (TLS turned off in the settings): the status bar warns. */
  get plaintext(): boolean {
    return this.session !== undefined && this.sessionTls === false;
  }

  /** What the view shows: the session's state, the one kept after Disconnect, or an empty one. */
  snapshot(): ViewSnapshot {
    return (this.session?.state ?? this.kept ?? new ChatState()).snapshot();
  }

  /**
   * The session for this server and name, made and connected if needed. With
   * `keepTrying`, an unreachable server is not an error: the client keeps
   * reconnecting and joins wait for it.
   */
  async ensure(server: string, name: string, keepTrying = false): Promise<ChatSession> {
    if (this.session && this.session.server === server && this.session.name === name) return this.session;
    await this.close();
    const tls = await this.deps.tls(server);
    const session = new ChatSession({
      server,
      name,
      identity: await this.deps.identity(),
      outbox: await openOutbox(this.deps.storageDir, server),
      cursors: new MementoCursorStore(this.deps.memento, server),
      pins: new MementoPinStore(this.deps.memento, server),
      visible: this.deps.viewVisible(),
      client: {
        tls,
        roomParams: new MementoRoomParamStore(this.deps.memento),
        replay: openReplayMemory(this.deps.storageDir, server),
        ...(this.deps.client ?? {}),
      },
    });
    this.session = session;
    this.sessionTls = tls;
    this.kept = undefined;
    this.stopEvents = session.onEvent((event) => this.deps.onSessionEvent(event));
    this.deps.post({ type: 'snapshot', snapshot: session.state.snapshot() });
    this.deps.onChange();
    try {
      await session.connect();
    } catch (error) {
      if (keepTrying && error instanceof ClientError && error.code === 'unreachable') {
        this.deps.log.warn(`${logLine(error)}; retrying in the background`);
        this.deps.onKeepTrying(`${error.message} Message App keeps trying.`);
        return session;
      }
      await this.close();
      throw forExtension(error);
    }
    return session;
  }

  /**
   * Disconnect: closes the session (its unsent messages stay in the outbox) but
   * the view keeps its history, read-only, marked disconnected.
   */
  async disconnect(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    this.stopEvents?.();
    this.stopEvents = undefined;
    await session.close();
    session.state.connection = { state: 'closed', server: session.server };
    this.kept = session.state;
    this.deps.post({ type: 'snapshot', snapshot: this.snapshot() });
    this.deps.onChange();
  }

  /** Closes the session (its unsent messages stay in the outbox) and shows the empty view. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.kept = undefined;
    this.stopEvents?.();
    this.stopEvents = undefined;
    if (session) await session.close();
    this.deps.post({ type: 'snapshot', snapshot: this.snapshot() });
    this.deps.onChange();
  }

  dispose(): void {
    this.stopEvents?.();
    this.stopEvents = undefined;
    void this.session?.close();
    this.session = undefined;
  }
}
