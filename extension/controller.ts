// The extension's behaviour in one place: the connect flow, the commands, the
// webview's requests, notifications, the badge and the status bar. It owns the
// current ChatSession and everything it registers is disposed with it.

import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { ClientError, WrongPassphraseError } from '../client/errors';
import { ImageError } from '../client/images/errors';
import { prepareImage } from '../client/images/prepare';
import type { PreparedImage } from '../client/images/types';
import { isRoomName } from '../protocol/names';
import type { ViewCommand, ViewImageItem, ViewItem, ViewSnapshot, WebviewMessage } from '../protocol/webview';
import { ChatViewProvider, type ChatViewHost } from './chat-view';
import { configuredDisplayName, readSettings, saveSetting } from './config';
import { logLine, userSentence } from './errors';
import { openImagePanel } from './image-panel';
import { joinWithPassphrase, type JoinPrompts } from './join-flow';
import { isIdentityKey, KeyStore, parsePassphraseKey } from './key-store';
import { safeExternalUrl } from './links';
import { askName, askPassphrase, askRoom, askServer } from './prompts';
import { validateServer } from './validate';
import { ChatSession } from './session';
import { ChatState } from './state/chat-state';
import { plainNotificationText, shouldNotify } from './state/notify';
import { previewText } from './state/view-items';
import { ChatStatusBar } from './status-bar';
import type { MessageAppTestApi } from './test-api';
import { MementoCursorStore, MementoPinStore, openOutbox } from './stores';

/** Client errors about the connection itself: the banner and status bar already show them. */
const CONNECTION_CODES = new Set(['disconnected', 'unreachable', 'busy', 'timeout', 'closed']);
/** Rooms joined in this window, rejoined when it opens again. */
const WINDOW_ROOMS = 'messageApp.windowRooms';

export class ChatController implements ChatViewHost, vscode.Disposable {
  readonly view: ChatViewProvider;
  private readonly keys: KeyStore;
  private readonly status = new ChatStatusBar();
  private session: ChatSession | undefined;
  private stopSession: (() => void) | undefined;
  /** The connect flow in progress, so a second invocation waits instead of racing. */
  private flow: Promise<void> | undefined;
  private lastToast = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.keys = new KeyStore(context.secrets);
    this.view = new ChatViewProvider(context.extensionUri, this, log);
    this.disposables.push(
      this.view,
      this.status,
      context.secrets.onDidChange((e) => this.onSecretChange(e.key)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        // The connect flow saves the name it just connected with: only a different name needs a reconnect.
        if (e.affectsConfiguration('messageApp.displayName') && this.session && readSettings().displayName !== this.session.name) {
          void vscode.window.showInformationMessage('Message App: the new display name is used after you connect again.');
        }
      }),
    );
  }

  // ---- ChatViewHost ----

  snapshot(): ViewSnapshot {
    if (this.session) return this.session.state.snapshot();
    const empty = new ChatState();
    return empty.snapshot();
  }

  onVisibilityChange(visible: boolean): void {
    this.session?.setVisible(visible);
    this.refreshIndicators();
  }

  onWebviewMessage(message: Exclude<WebviewMessage, { type: 'ready' }>): void {
    void this.handleWebviewMessage(message).catch((error: unknown) => this.showError(error));
  }

  private async handleWebviewMessage(message: Exclude<WebviewMessage, { type: 'ready' }>): Promise<void> {
    const session = this.session;
    switch (message.type) {
      case 'send':
        if (!session) {
          this.notice('error', 'Message App is not connected. Connect to a server to send messages.');
          return;
        }
        await session.sendText(message.room, message.text);
        return;
      case 'loadOlder':
        if (session) await session.loadOlder(message.room);
        else this.view.post({ type: 'older', room: message.room, items: [], more: false });
        return;
      case 'selectRoom':
        session?.selectRoom(message.room);
        this.rememberActiveRoom(message.room);
        return;
      case 'openLink': {
        const url = safeExternalUrl(message.url);
        if (!url) {
          this.notice('error', 'Only http and https links can be opened from the chat.');
          return;
        }
        await vscode.env.openExternal(vscode.Uri.parse(url.href, true));
        return;
      }
      case 'openImage': {
        const item = this.imageItem(message.room, message.cid);
        if (item) openImagePanel(item);
        return;
      }
      case 'saveImage':
        await this.saveImage(message.room, message.cid);
        return;
      case 'pasteImage':
        await this.prepareAndSend(message.room, { bytes: message.data, ...(message.name ? { name: message.name } : {}) }, message.name ?? 'pasted image');
        return;
      case 'command':
        await vscode.commands.executeCommand(commandFor(message.command));
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  // ---- start-up ----

  /** Connects again when server, name, rooms and their passphrases are all known; never asks. */
  async reconnectOnStartup(): Promise<void> {
    const s = readSettings();
    if (!s.server || validateServer(s.server) || !s.displayName) return;
    const rooms = this.windowRooms();
    if (rooms.length === 0 && isRoomName(s.room)) rooms.push(s.room);
    const known: Array<{ room: string; passphrase: string }> = [];
    for (const room of rooms) {
      const passphrase = await this.keys.passphrase(s.server, room);
      if (passphrase) known.push({ room, passphrase });
    }
    if (known.length === 0) return;
    // A server that is down at start-up is retried in the background; the joins wait for it.
    const session = await this.ensureSession(s.server, s.displayName, true);
    for (const [i, { room, passphrase }] of known.entries()) {
      try {
        await session.join(room, passphrase, { activate: i === 0 || room === s.room });
      } catch (error) {
        this.log.warn(`rejoining ${room} on start-up failed: ${logLine(error)}`);
        if (error instanceof WrongPassphraseError) {
          await this.keys.forgetPassphrase(s.server, room);
          this.notice('error', `The saved passphrase for room "${room}" no longer works. Use Connect to Server... to enter it again.`);
        } else {
          this.notice('error', userSentence(error));
        }
      }
    }
  }

  // ---- commands ----

  /** Connect to Server...: asks only for what is missing, then joins the room. */
  connect(options: { askServer?: boolean; room?: string } = {}): Promise<void> {
    if (this.flow) return this.flow;
    this.flow = this.connectFlow(options).finally(() => {
      this.flow = undefined;
    });
    return this.flow;
  }

  private async connectFlow(options: { askServer?: boolean; room?: string }): Promise<void> {
    const s = readSettings();
    let server = s.server;
    // Already connected: "Connect to Server..." is how one changes server, so ask (prefilled).
    if (!server || validateServer(server) || (options.askServer ?? this.session !== undefined)) {
      const answer = await askServer(server);
      if (!answer) return;
      server = answer;
    }
    let room = options.room ?? s.room;
    if (!isRoomName(room)) {
      const answer = await askRoom(room);
      if (!answer) return;
      room = answer;
    }
    let name = configuredDisplayName();
    if (!name) {
      const answer = await askName(s.displayName);
      if (!answer) return;
      name = answer;
    }
    let session: ChatSession;
    for (;;) {
      try {
        session = await this.ensureSession(server, name);
        break;
      } catch (error) {
        this.log.error(logLine(error));
        this.notice('error', userSentence(error));
        // Settings are saved only after a connection worked, so a typo is not kept; offer to fix it.
        const change = await vscode.window.showErrorMessage(userSentence(error), 'Change Server...', 'Try Again');
        if (change === 'Change Server...') {
          const answer = await askServer(server);
          if (!answer) return;
          server = answer;
        } else if (change !== 'Try Again') {
          return;
        }
      }
    }
    await saveSetting('server', server);
    if (!configuredDisplayName()) await saveSetting('displayName', name);
    if (session.state.room(room)) {
      session.selectRoom(room);
    } else if (!(await this.joinWithPassphrase(session, room))) {
      return;
    }
    await saveSetting('room', room);
    this.rememberActiveRoom(room);
    await this.focus();
  }

  /** Joins with the saved passphrase or asks (join-flow.ts); errors are shown here. Returns whether it joined. */
  private async joinWithPassphrase(session: ChatSession, room: string): Promise<boolean> {
    try {
      return (await joinWithPassphrase(session, this.keys, room, this.prompts())) !== 'cancelled';
    } catch (error) {
      await this.showError(error);
      return false;
    }
  }

  /** The session for this server and name, made (and connected) if needed. */
  private async ensureSession(server: string, name: string, keepTrying = false): Promise<ChatSession> {
    if (this.session && this.session.server === server && this.session.name === name) return this.session;
    await this.closeSession();
    const identity = await this.keys.identity();
    const storage = this.context.globalStorageUri.fsPath;
    await mkdir(storage, { recursive: true });
    const session = new ChatSession({
      server,
      name,
      identity,
      outbox: await openOutbox(storage, server),
      cursors: new MementoCursorStore(this.context.globalState, server),
      pins: new MementoPinStore(this.context.globalState, server),
      visible: this.view.visible,
    });
    this.session = session;
    this.stopSession = session.onEvent((event) => {
      switch (event.type) {
        case 'view':
          this.view.post(event.message);
          return;
        case 'incoming':
          this.notifyIncoming(event.room, event.item, event.unread);
          this.refreshIndicators();
          return;
        case 'status':
          this.refreshIndicators();
          return;
        case 'error':
          this.log.info(`client: ${event.code}: ${event.message}`);
          // Lost connections are the banner's job (and end by themselves); the rest is worth a notice.
          if (!CONNECTION_CODES.has(event.code)) this.notice('error', event.message);
          return;
        default: {
          const unreachable: never = event;
          return unreachable;
        }
      }
    });
    this.view.post({ type: 'snapshot', snapshot: session.state.snapshot() });
    this.refreshIndicators();
    try {
      await session.connect();
    } catch (error) {
      if (keepTrying && error instanceof ClientError && error.code === 'unreachable') {
        this.log.warn(`${logLine(error)}; retrying in the background`);
        this.notice('info', `${error.message} Message App keeps trying.`);
        return session;
      }
      await this.closeSession();
      throw error;
    }
    return session;
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    this.stopSession?.();
    this.stopSession = undefined;
    if (session) await session.close();
    this.view.post({ type: 'snapshot', snapshot: this.snapshot() });
    this.refreshIndicators();
  }

  async disconnect(): Promise<void> {
    if (!this.session) {
      void vscode.window.showInformationMessage('Message App is not connected.');
      return;
    }
    await this.closeSession();
  }

  async switchRoom(): Promise<void> {
    const session = this.session;
    const join = '$(add) Join another room...';
    type Pick = vscode.QuickPickItem & { room?: string };
    const items: Pick[] = (session?.state.summaries() ?? []).map((r) => ({
      label: `$(comment-discussion) ${r.room}`,
      description: r.room === session?.state.active ? 'current' : r.unread > 0 ? `${r.unread} unread` : '',
      detail: `${r.online} online`,
      room: r.room,
    }));
    items.push({ label: join });
    const picked = await vscode.window.showQuickPick(items, { title: 'Message App: Switch Room', placeHolder: 'Room to show' });
    if (!picked) return;
    if (picked.room && session) {
      session.selectRoom(picked.room);
      this.rememberActiveRoom(picked.room);
      await saveSetting('room', picked.room);
      await this.focus();
      return;
    }
    const room = await askRoom('', 'Message App: Join Room');
    if (!room) return;
    await this.connect({ room, askServer: false });
  }

  async leaveRoom(): Promise<void> {
    const room = this.session?.state.active;
    if (!this.session || !room) {
      void vscode.window.showInformationMessage('Message App: no room to leave.');
      return;
    }
    await this.session.leave(room);
    await this.context.workspaceState.update(WINDOW_ROOMS, this.windowRooms().filter((r) => r !== room));
  }

  async forgetPassphrase(): Promise<void> {
    const s = readSettings();
    const server = this.session?.server ?? s.server;
    if (!server) {
      void vscode.window.showInformationMessage('Message App: no server is set, so no passphrase is saved.');
      return;
    }
    const rooms = new Set([...(this.session?.state.roomNames() ?? []), ...this.windowRooms(), ...(isRoomName(s.room) ? [s.room] : [])]);
    const saved: string[] = [];
    for (const room of rooms) if (await this.keys.passphrase(server, room)) saved.push(room);
    if (saved.length === 0) {
      void vscode.window.showInformationMessage(`Message App: no saved passphrase for ${server}.`);
      return;
    }
    const room =
      saved.length === 1
        ? saved[0]
        : await vscode.window.showQuickPick(saved, { title: 'Message App: Forget Passphrase', placeHolder: 'Room whose passphrase to forget' });
    if (!room) return;
    await this.keys.forgetPassphrase(server, room);
    void vscode.window.showInformationMessage(
      `Message App forgot the passphrase for room "${room}" on ${server}. You will be asked for it the next time you join.`,
    );
  }

  async showFingerprint(): Promise<void> {
    const identity = await this.keys.identity();
    const copy = await vscode.window.showInformationMessage(
      `Your Message App fingerprint: ${identity.fingerprint}`,
      { modal: false, detail: 'Others see it when they hover your messages; compare it over another channel to be sure it is you.' },
      'Copy',
    );
    if (copy === 'Copy') await vscode.env.clipboard.writeText(identity.fingerprint);
  }

  async focus(): Promise<void> {
    await this.view.reveal();
    this.view.post({ type: 'focusComposer' });
  }

  /** Send Image... (no argument: a file dialog) or the explorer's "Send Image to Chat" (the file's URI). */
  async sendImage(uri?: vscode.Uri): Promise<void> {
    let file = uri instanceof vscode.Uri ? uri : undefined;
    if (!this.session?.state.active) {
      void vscode.window.showInformationMessage('Message App: join a room first (Connect to Server...).');
      return;
    }
    if (!file) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Send Image',
        openLabel: 'Send',
        canSelectMany: false,
        filters: { Images: ['png', 'jpg', 'jpeg', 'gif', 'bmp'] },
      });
      file = picked?.[0];
      if (!file) return;
    }
    const bytes = await vscode.workspace.fs.readFile(file);
    const name = file.path.split('/').pop() ?? 'image';
    await this.prepareAndSend(this.session.state.active, { bytes, name }, name);
  }

  private async prepareAndSend(room: string, input: { bytes: Uint8Array; name?: string }, label: string): Promise<void> {
    const session = this.session;
    if (!session) return;
    const { imageMaxSide } = readSettings();
    let image: PreparedImage;
    try {
      image = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Preparing ${label}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          const sub = token.onCancellationRequested(() => abort.abort());
          let done = 0;
          try {
            return await prepareImage(input, {
              maxSide: imageMaxSide,
              signal: abort.signal,
              onProgress: (fraction) => {
                const percent = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
                if (percent > done) progress.report({ increment: percent - done });
                done = Math.max(done, percent);
              },
            });
          } finally {
            sub.dispose();
          }
        },
      );
    } catch (error) {
      if (error instanceof ImageError && error.code === 'cancelled') return;
      await this.showError(error);
      return;
    }
    await session.sendImage(room, image);
  }

  /** "Save Image As..." from the webview's context menu (the argument is its data-vscode-context) or the button. */
  async saveImageFromContext(arg: unknown): Promise<void> {
    const ctx = arg as { cid?: unknown } | undefined;
    const room = this.session?.state.active;
    if (!room || typeof ctx?.cid !== 'string') return;
    await this.saveImage(room, ctx.cid);
  }

  private async saveImage(room: string, cid: string): Promise<void> {
    const item = this.imageItem(room, cid);
    if (!item) return;
    const ext = item.image.mime === 'image/png' ? 'png' : 'jpg';
    const base = (item.image.name ?? 'image').replace(/\.[^.]*$/, '').replace(/[\\/:*?"<>|]/g, '_') || 'image';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
    const target = await vscode.window.showSaveDialog({
      title: 'Save Image As',
      defaultUri: vscode.Uri.joinPath(folder, `${base}.${ext}`),
      filters: ext === 'png' ? { 'PNG image': ['png'] } : { 'JPEG image': ['jpg', 'jpeg'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, item.image.data);
  }

  private imageItem(room: string, cid: string): ViewImageItem | undefined {
    const item = this.session?.state.findItem(room, cid);
    return item?.kind === 'image' ? item : undefined;
  }

  /** The join flow's questions as VS Code input boxes and notifications (also noted in the view). */
  private prompts(): JoinPrompts {
    return {
      passphrase: (room, server, again) => askPassphrase(room, server, again),
      wrongPassphrase: async (room) => {
        const sentence = `Wrong passphrase for room "${room}". It was not saved.`;
        this.notice('error', sentence);
        return (await vscode.window.showErrorMessage(sentence, 'Try Again')) === 'Try Again';
      },
      confirmCreate: async (room, server) =>
        (await vscode.window.showInformationMessage(
          `Room "${room}" does not exist on ${server} yet. Create it with this passphrase?`,
          { modal: true, detail: 'Everyone who joins the room needs the same passphrase. It is never sent to the server.' },
          'Create Room',
        )) === 'Create Room',
      mismatch: () =>
        void vscode.window.showErrorMessage('The two passphrases are different; the room was not created. Enter the passphrase again.'),
    };
  }

  // ---- tests ----

  testApi(): MessageAppTestApi {
    return {
      join: async (server, room, name, passphrase, create) => {
        const session = await this.ensureSession(server, name);
        await session.join(room, passphrase, { create });
        await this.keys.storePassphrase(server, room, passphrase);
        this.rememberActiveRoom(room);
      },
      sendText: async (text) => {
        const room = this.session?.state.active;
        if (!this.session || !room) throw new Error('not joined');
        return this.session.sendText(room, text);
      },
      snapshot: () => this.snapshot(),
      viewReady: () => this.view.isReady,
      disconnect: () => this.closeSession(),
    };
  }

  // ---- indicators ----

  private refreshIndicators(): void {
    const state = this.session?.state;
    const unread = state?.totalUnread() ?? 0;
    this.view.setBadge(this.view.visible ? 0 : unread);
    this.status.update(state?.connection ?? { state: 'idle' }, state?.active ?? null, unread);
  }

  private notifyIncoming(room: string, item: ViewItem, unread: boolean): void {
    const now = Date.now();
    const setting = readSettings().notifications;
    if (!shouldNotify({ unread, viewVisible: this.view.visible, setting, now, lastToast: this.lastToast })) return;
    this.lastToast = now;
    const who = item.kind === 'placeholder' ? 'Someone' : item.from.name;
    void vscode.window.showInformationMessage(plainNotificationText(`${who} in ${room}: ${previewText(item)}`), 'Open Chat').then((answer) => {
      if (answer === 'Open Chat') {
        this.session?.selectRoom(room);
        void this.focus();
      }
    });
  }

  private notice(level: 'info' | 'error', text: string): void {
    this.view.post({ type: 'notice', level, text });
  }

  private async showError(error: unknown): Promise<void> {
    this.log.error(logLine(error));
    const sentence = userSentence(error);
    this.notice('error', sentence);
    await vscode.window.showErrorMessage(sentence);
  }

  // ---- window rooms and secrets ----

  private windowRooms(): string[] {
    const value = this.context.workspaceState.get<unknown>(WINDOW_ROOMS);
    return Array.isArray(value) ? value.filter(isRoomName) : [];
  }

  private rememberActiveRoom(room: string): void {
    const rooms = [room, ...this.windowRooms().filter((r) => r !== room)];
    void this.context.workspaceState.update(WINDOW_ROOMS, rooms);
  }

  /** Secrets are shared by all windows: follow changes another window made. */
  private onSecretChange(key: string): void {
    if (isIdentityKey(key)) {
      // Also fires for this window's own first write of the key, so the log does not guess who wrote it.
      this.log.info('the identity key in secret storage changed; a new key is used after connecting again');
      return;
    }
    const changed = parsePassphraseKey(key);
    const session = this.session;
    if (!changed || !session || changed.server !== session.server || session.state.room(changed.room)) return;
    // Another window saved a passphrase for a room this window wanted: join it quietly.
    if (!this.windowRooms().includes(changed.room)) return;
    void this.keys.passphrase(changed.server, changed.room).then(async (passphrase) => {
      if (passphrase) await session.join(changed.room, passphrase, { activate: false });
    }).catch((error: unknown) => this.log.warn(`joining ${changed.room} after a secret change failed: ${logLine(error)}`));
  }

  dispose(): void {
    this.stopSession?.();
    void this.session?.close();
    this.session = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function commandFor(command: ViewCommand): string {
  switch (command) {
    case 'connect':
      return 'messageApp.connect';
    case 'switchRoom':
      return 'messageApp.switchRoom';
    case 'sendImage':
      return 'messageApp.sendImage';
    case 'disconnect':
      return 'messageApp.disconnect';
    case 'showFingerprint':
      return 'messageApp.showFingerprint';
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}
