// The chat webview view: serves the HTML, validates what the webview sends,
// holds posts until the webview says `ready` (then sends one full snapshot),
// and reports visibility so unread counting and the badge follow what the user sees.

import * as vscode from 'vscode';
import { parseWebviewMessage, type HostMessage, type ViewSnapshot, type WebviewMessage } from '../protocol/webview';
import { HeldNotices, isTransient } from './held-notices';
import { chatHtml } from './html';

export const VIEW_ID = 'messageApp.chat';

export interface ChatViewHost {
  snapshot(): ViewSnapshot;
  onWebviewMessage(message: Exclude<WebviewMessage, { type: 'ready' }>): void;
  onVisibilityChange(visible: boolean): void;
}

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  /** True between the webview's `ready` and its next reload. */
  private ready = false;
  private readonly viewDisposables: vscode.Disposable[] = [];
  /** Notices and focus requests made before `ready`; state changes need no queue (the snapshot has them). */
  private readonly held = new HeldNotices();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: ChatViewHost,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.disposeView();
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    const uri = (file: string): string => view.webview.asWebviewUri(vscode.Uri.joinPath(dist, file)).toString();
    view.webview.html = chatHtml({
      cspSource: view.webview.cspSource,
      scriptUri: uri('webview.js'),
      styleUri: uri('webview.css'),
      codiconUri: uri('codicon.css'),
    });
    this.viewDisposables.push(
      view.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      view.onDidChangeVisibility(() => {
        // A hidden view's webview may be destroyed (no retainContextWhenHidden):
        // then it says `ready` again when shown and gets a fresh snapshot, which
        // also covers whatever was posted while it was away. If it was kept, no
        // `ready` comes: the held notices go to it shortly after it is shown.
        this.host.onVisibilityChange(view.visible);
        clearTimeout(this.flushTimer);
        if (view.visible) this.flushTimer = setTimeout(() => this.flushHeld(), 750);
      }),
      view.onDidDispose(() => {
        this.disposeView();
        this.view = undefined;
        this.ready = false;
        this.host.onVisibilityChange(false);
      }),
    );
    this.host.onVisibilityChange(view.visible);
  }

  /** Sends a message if the webview is ready; otherwise the next snapshot will carry it. */
  post(message: HostMessage): void {
    this.held.seen(message);
    // A hidden webview may be gone (its state comes back with the snapshot);
    // notices and focus requests wait until it is there again.
    if (!this.view || !this.ready || (isTransient(message) && !this.view.visible)) {
      if (isTransient(message)) this.held.hold(message);
      return;
    }
    void this.view.webview.postMessage(message).then(undefined, (error: unknown) => {
      this.log.warn(`could not post ${message.type} to the chat view: ${String(error)}`);
    });
  }

  private flushHeld(): void {
    if (!this.view?.visible || !this.ready) return;
    for (const held of this.held.take()) this.post(held);
  }

  /** The badge on the view (shown by VS Code on the activity-bar icon too). */
  setBadge(count: number): void {
    if (!this.view) return;
    this.view.badge = count > 0 ? { value: count, tooltip: count === 1 ? '1 unread message' : `${count} unread messages` } : undefined;
  }

  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  }

  private receive(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.log.warn('ignored an invalid message from the chat view');
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      this.post({ type: 'snapshot', snapshot: this.host.snapshot() });
      this.flushHeld();
      return;
    }
    this.host.onWebviewMessage(message);
  }

  private disposeView(): void {
    clearTimeout(this.flushTimer);
    for (const d of this.viewDisposables.splice(0)) d.dispose();
  }

  dispose(): void {
    this.disposeView();
  }
}
