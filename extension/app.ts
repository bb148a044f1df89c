// The extension's parts wired together for one window: the view provider, the
// session host, the connect flow, the notifier (badge, status bar, toasts),
// the menu's context keys, window rooms and the secret sync, with VS Code's APIs plugged into the
// plain modules. It holds no behaviour of its own beyond that wiring; the
// commands live in commands/, the webview's requests in webview-router.ts.

import { SecretEpochKeyStore } from './epoch-key-store';
import * as vscode from 'vscode';
import type { ViewSnapshot } from '../protocol/webview';
import { ChatViewProvider, type ChatViewHost } from './chat-view';
import { configuredDisplayName, readSettings, saveSetting } from './config';
import { ConnectFlow } from './connect-flow';
import { logLine, userSentence } from './errors';
import { openImagePanel } from './image-panel';
import { joinWithPassphrase } from './join-flow';
import { KeyStore } from './key-store';
import { MenuContext } from './menu-context';
import { Notifier } from './notifier';
import { askAfterConnectFailure, askFirstUse, askName, askRoom, askServer, joinPrompts } from './prompts';
import type { ChatSession, HostImage, SessionEvent } from './session';
import { SessionHost } from './session-host';
import { ChatStatusBar } from './status-bar';
import { createTestApi, type MessageAppTestApi } from './test-api';
import { routeWebviewMessage, type RoutedSession, type ViewRequest } from './webview-router';
import { changedMessageForExtension, MementoTrustStore, ServerTrust } from './trust';
import { followSecretChange, WindowRooms } from './window-rooms';
import { saveImage, sendImageBytes } from './commands/images';
import { openCode } from './commands/code';
import { EditorHighlighter } from './highlight/editor-highlighter';
import { saveFile, sendDroppedBytes, sendDroppedUri } from './commands/files';
import { RoomNotifySettings, roomAllowsToast } from './state/room-notify';

export class ChatApp implements ChatViewHost, vscode.Disposable {
  readonly view: ChatViewProvider;
  readonly keys: KeyStore;
  readonly rooms: WindowRooms;
  readonly sessions: SessionHost;
  readonly notifier: Notifier;
  readonly connectFlow: ConnectFlow;
  /** The context keys behind the view menu's `when` clauses. */
  readonly menus: MenuContext;
  /** Server certificates: pins, the first-use question, the TLS options of a session. */
  readonly trust: ServerTrust;
  private readonly status = new ChatStatusBar();
  /** Per-room notifications (all / mentions / none), kept per server and room. */
  readonly roomNotify: RoomNotifySettings;
  /** Tokens for the code blocks the view shows, in the active theme (grammars load on first use). */
  readonly highlighter: EditorHighlighter;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.keys = new KeyStore(context.secrets);
    this.roomNotify = new RoomNotifySettings(context.globalState);
    this.highlighter = new EditorHighlighter((line) => log.warn(line));
    this.rooms = new WindowRooms(context.workspaceState);
    this.view = new ChatViewProvider(context.extensionUri, this, log);
    this.trust = new ServerTrust({
      store: new MementoTrustStore(context.globalState),
      setting: () => readSettings().tls,
      firstUse: (address, fingerprint) => askFirstUse(address, fingerprint),
    });
    this.menus = new MenuContext((key, value) => vscode.commands.executeCommand('setContext', key, value), this.keys);
    this.notifier = new Notifier({
      viewVisible: () => this.view.visible,
      setBadge: (count) => this.view.setBadge(count),
      setStatus: (connection, room, rooms) => this.status.update(connection, room, rooms, this.sessions?.plaintext ?? false),
      toast: async (text, trustAction) => {
        const answer = await vscode.window.showInformationMessage(text, 'Open Chat', ...(trustAction ? ['Trust New Key...'] : []));
        return answer === 'Trust New Key...' ? 'trust' : answer === 'Open Chat';
      },
      notice: (level, text) => this.view.post({ type: 'notice', level, text }),
      setting: () => readSettings().notifications,
      now: () => Date.now(),
      roomAllows: (room, item) => {
        const session = this.sessions.current;
        return !session || roomAllowsToast(this.roomNotify.get(session.server, room), item);
      },
    });
    this.sessions = new SessionHost({
      identity: () => this.keys.identity(),
      storageDir: context.globalStorageUri.fsPath,
      memento: context.globalState,
      tls: (server) => this.trust.tlsFor(server),
      viewVisible: () => this.view.visible,
      post: (message) => this.view.post(message),
      onSessionEvent: (event) => this.onSessionEvent(event),
      onChange: () => this.refreshIndicators(),
      onKeepTrying: (sentence) => this.notifier.notice('info', sentence),
      log,
      // Section 12: each room's epoch keys live in secret storage like its passphrase.
      client: { epochKeys: new SecretEpochKeyStore(context.secrets) },
    });
    this.connectFlow = new ConnectFlow({
      ui: {
        settings: () => readSettings(),
        configuredName: () => configuredDisplayName(),
        askServer: (current) => askServer(current),
        askRoom: (current) => askRoom(current),
        askName: (proposed) => askName(proposed),
        connectFailed: (sentence) => askAfterConnectFailure(sentence),
        saveSetting: (key, value) => saveSetting(key, value),
        focus: () => this.focus(),
      },
      sessions: this.sessions,
      probe: (server, fingerprint) => this.trust.check(server, fingerprint),
      keys: this.keys,
      rooms: this.rooms,
      join: (session, room) => this.joinWithPassphrase(session, room),
      notice: (level, text) => this.notifier.notice(level, text),
      log,
    });
    this.disposables.push(
      this.view,
      this.status,
      this.highlighter,
      // Blocks on screen ask for tokens again in the new colours.
      this.highlighter.onDidChangeTheme(() => this.view.post({ type: 'themeChanged' })),
      { dispose: () => this.sessions.dispose() },
      context.secrets.onDidChange((e) => {
        // A passphrase saved or forgotten (here or in another window) changes what Forget Passphrase can do.
        this.menus.secretsChanged();
        void this.refreshMenus();
        void followSecretChange(e.key, {
          keys: this.keys,
          rooms: this.rooms,
          log,
          session: () => {
            const session = this.sessions.current;
            return session && { server: session.server, hasRoom: (room) => session.state.room(room) !== undefined, join: (room, passphrase, opts) => session.join(room, passphrase, opts) };
          },
        });
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('messageApp.server') || e.affectsConfiguration('messageApp.room')) void this.refreshMenus();
        // The connect flow saves the name it just connected with: only a different name needs a reconnect.
        const session = this.sessions.current;
        if (e.affectsConfiguration('messageApp.displayName') && session && readSettings().displayName !== session.name) {
          void vscode.window.showInformationMessage('Message App: the new display name is used after you connect again.');
        }
      }),
    );
    void this.refreshMenus();
  }

  // ---- ChatViewHost ----

  snapshot(): ViewSnapshot {
    return this.sessions.snapshot();
  }

  onVisibilityChange(visible: boolean): void {
    this.sessions.current?.setVisible(visible);
    this.refreshIndicators();
  }

  onWebviewMessage(message: ViewRequest): void {
    void routeWebviewMessage(message, {
      session: () => routedSession(this.sessions.current),
      post: (m) => this.view.post(m),
      notice: (level, text) => this.notifier.notice(level, text),
      rememberRoom: (room) => this.rooms.remember(room),
      openExternal: async (url) => {
        await vscode.env.openExternal(vscode.Uri.parse(url.href, true));
      },
      openImage: (image) => void openImagePanel(image),
      saveImage: (room, sender, cid) => saveImage(this, room, sender, cid),
      sendImageBytes: (room, input, label) => sendImageBytes(this, room, input, label),
      runCommand: async (id) => {
        await vscode.commands.executeCommand(id);
      },
      highlight: (lang, text) => this.highlighter.highlight(text, lang),
      openCode: (code) => openCode(code),
      copyText: async (text) => {
        await vscode.env.clipboard.writeText(text);
      },
      saveFile: (room, cid) => saveFile(this, room, cid),
      sendDroppedUri: (uri) => sendDroppedUri(this, uri),
      sendDroppedBytes: (data, name) => sendDroppedBytes(this, data, name),
    }).catch((error: unknown) => this.showError(error));
  }

  // ---- shared by the commands ----

  /** The image the webview names by room, sender and cid, with its bytes, if the session shows one. */
  image(room: string, sender: string, cid: string): HostImage | undefined {
    return this.sessions.current?.image(room, sender, cid);
  }

  async focus(): Promise<void> {
    await this.view.reveal();
    this.view.post({ type: 'focusComposer' });
  }

  /** The user sees a sentence (notice and error message), the log the detail. */
  async showError(error: unknown): Promise<void> {
    this.log.error(logLine(error));
    const sentence = userSentence(error);
    this.notifier.notice('error', sentence);
    await vscode.window.showErrorMessage(sentence);
  }

  /** Joins with the saved passphrase or asks; errors are shown here. Returns whether it joined. */
  async joinWithPassphrase(session: ChatSession, room: string): Promise<boolean> {
    try {
      return (await joinWithPassphrase(session, this.keys, room, joinPrompts((level, text) => this.notifier.notice(level, text)))) !== 'cancelled';
    } catch (error) {
      await this.showError(error);
      return false;
    }
  }

  /**
   * Asks before Leave Room (modal). Replaced through the test API, where no
   * dialog can be clicked.
   */
  confirmLeave = async (room: string): Promise<boolean> =>
    (await vscode.window.showWarningMessage(
      `Leave room "${room}"?`,
      { modal: true, detail: 'Its messages stop coming to this window. The passphrase stays saved, so Switch Room... can join it again.' },
      'Leave Room',
    )) === 'Leave Room';

  /** Asks where to save a file. Replaced through the test API, where no dialog can be clicked. */
  pickSaveTarget = async (options: { title: string; defaultUri: vscode.Uri }): Promise<vscode.Uri | undefined> => vscode.window.showSaveDialog(options);

  /** Sets the menu's context keys from the session, the settings and the saved passphrases. */
  refreshMenus(): Promise<void> {
    const session = this.sessions.current;
    const s = readSettings();
    return this.menus
      .refresh({
        connected: session !== undefined,
        activeRoom: session?.state.active ?? null,
        owner: session?.state.active ? session.isOwner(session.state.active) : false,
        server: session?.server ?? s.server,
        rooms: [...(session?.state.roomNames() ?? []), ...this.rooms.list(), s.room],
      })
      .catch((error: unknown) => this.log.warn(`menu context: ${logLine(error)}`));
  }

  testApi(): MessageAppTestApi {
    return createTestApi({
      sessions: this.sessions,
      keys: this.keys,
      rooms: this.rooms,
      viewReady: () => this.view.isReady,
      answerLeave: (answer) => {
        this.confirmLeave = async () => answer;
      },
      menuContext: (key) => this.menus.get(key),
      trustServer: (server, fingerprint) => this.trust.check(server, fingerprint),
    });
  }

  // ---- session events ----

  private onSessionEvent(event: SessionEvent): void {
    switch (event.type) {
      case 'view':
        this.view.post(event.message);
        return;
      case 'incoming':
        void this.notifier.incoming(
          event.room,
          event.item,
          event.unread,
          (room) => {
            this.sessions.current?.selectRoom(room);
            void this.focus();
          },
          (room, item) => {
            // The toast's "Trust New Key...": the same command, naming the sender and its room.
            if (item.kind !== 'placeholder' && item.kind !== 'line') void vscode.commands.executeCommand('messageApp.trustNewKey', { room, fingerprint: item.from.fingerprint, name: item.from.name });
          },
        );
        this.refreshIndicators();
        return;
      case 'status':
        this.refreshIndicators();
        return;
      case 'error':
        this.log.info(`client: ${event.code}: ${event.message}`);
        // The client's sentence for a changed certificate names the CLI's `chat trust`; this one names the command.
        this.notifier.clientError(event.code, event.code === 'certificate_changed' ? changedMessageForExtension(event.message) : event.message);
        return;
      case 'notice':
        this.notifier.notice('info', event.message);
        return;
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  }

  private refreshIndicators(): void {
    this.notifier.refresh(this.sessions.current?.state);
    void this.refreshMenus();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function routedSession(session: ChatSession | undefined): RoutedSession | undefined {
  if (!session) return undefined;
  return {
    sendText: (room, text, mentions) => session.sendText(room, text, mentions),
    mentionable: (room) => session.mentionable(room),
    loadOlder: (room) => session.loadOlder(room),
    selectRoom: (room) => session.selectRoom(room),
    image: (room, sender, cid) => session.image(room, sender, cid),
    typing: (room) => session.typing(room),
    sendReply: (room, to, text, mentions) => session.sendReply(room, to, text, mentions),
    react: (room, id, emoji, remove) => session.react(room, id, emoji, remove),
    edit: (room, id, text, mentions) => session.edit(room, id, text, mentions),
    deleteMessage: (room, id) => session.deleteMessage(room, id),
  };
}
