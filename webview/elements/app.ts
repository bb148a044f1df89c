// The chat view: puts the banner, room tabs, message list and composer together,
// routes host messages through ViewState and user actions back to the host.

import { MAX_TEXT_BYTES } from '../../protocol/constants';
import { MAX_PASTE_BYTES, type HostMessage } from '../../protocol/webview';
import { CodeHighlights } from '../code-highlights';
import { ImageCache } from '../image-cache';
import { ViewState, type Change } from '../state';
import type { HostChannel } from '../vscode-api';
import { Composer } from './composer';
import { TypingLine } from './typing-line';
import { h, icon } from './dom';
import { Banner, RoomTabs } from './header';
import { MessageList } from './message-list';
import { TESTID } from './selectors';

export class ChatApp {
  readonly state = new ViewState();
  private readonly banner: Banner;
  private readonly tabs: RoomTabs;
  private readonly list: MessageList;
  private readonly composer: Composer;
  readonly highlights: CodeHighlights;
  private readonly typingLine: TypingLine;
  private readonly notice: HTMLElement;
  private readonly noticeText: HTMLElement;
  private readonly root: HTMLElement;
  private stopListening: (() => void) | undefined;
  /** Image bytes by reference: asked once per (sender, cid) from the active room. */
  readonly images: ImageCache;

  constructor(doc: Document, container: HTMLElement, private readonly host: HostChannel) {
    this.images = new ImageCache((ref) => this.withRoom((room) => host.post({ type: 'imageBytes', room, sender: ref.key, cid: ref.cid })));
    this.banner = new Banner(doc, () => host.post({ type: 'command', command: 'connect' }));
    this.tabs = new RoomTabs(doc, (room) => {
      // Disconnected, there is no session to ask: the kept history switches rooms here.
      if (this.state.readOnly) this.handle({ type: 'rooms', rooms: this.state.rooms, active: room });
      else host.post({ type: 'selectRoom', room });
    });
    this.highlights = new CodeHighlights(doc, (message) => host.post(message));
    this.list = new MessageList(doc, {
      loadOlder: () => {
        const room = this.state.active;
        if (room && this.state.shouldLoadOlder(room)) host.post({ type: 'loadOlder', room });
      },
      openLink: (url) => host.post({ type: 'openLink', url }),
      openImage: (ref) => this.withRoom((room) => host.post({ type: 'openImage', room, sender: ref.key, cid: ref.cid })),
      saveImage: (ref) => this.withRoom((room) => host.post({ type: 'saveImage', room, sender: ref.key, cid: ref.cid })),
    }, {
      openLink: (url) => host.post({ type: 'openLink', url }),
      copy: (text) => host.post({ type: 'copyText', text }),
      highlight: (lang, text) => this.highlights.element(lang, text),
      openCode: (code) => host.post({ type: 'openCode', code }),
    }, this.images);
    this.typingLine = new TypingLine(doc);
    this.composer = new Composer(doc, {
      send: (text) => this.withRoom((room) => host.post({ type: 'send', room, text })),
      typing: () => this.withRoom((room) => host.post({ type: 'typing', room })),
      tooLong: (bytes) =>
        this.handle({
          type: 'notice',
          level: 'error',
          text: `The message is ${Math.ceil(bytes / 1024)} KiB; a message can be at most ${MAX_TEXT_BYTES / 1024} KiB. It was not sent.`,
        }),
      attach: () => host.post({ type: 'command', command: 'sendImage' }),
      image: (file) => void this.sendFile(file),
    });
    this.noticeText = h(doc, 'span', { class: 'notice-text' });
    const dismiss = h(doc, 'button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss', title: 'Dismiss' }, [icon(doc, 'close')]);
    dismiss.addEventListener('click', () => {
      // Forgotten, not only hidden: a later redraw must not bring it back.
      this.state.notice = null;
      this.renderNotice();
      this.composer.focus();
    });
    this.notice = h(doc, 'div', { class: 'notice', 'data-testid': TESTID.notice, hidden: true }, [this.noticeText, dismiss]);
    this.root = h(doc, 'main', { class: 'app', 'data-testid': TESTID.app, 'data-state': 'idle' }, [
      this.banner.el,
      this.tabs.el,
      this.notice,
      this.list.el,
      this.typingLine.el,
      this.composer.el,
    ]);
    // Dropping image files anywhere on the view sends them like a paste.
    this.root.addEventListener('dragover', (event) => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    });
    this.root.addEventListener('drop', (event) => {
      const all = Array.from(event.dataTransfer?.files ?? []);
      const files = all.filter((f) => f.type.startsWith('image/'));
      // Any other file goes as a file message (PROTOCOL.md section 9): by URI when VS Code gives
      // one (the host streams it from disk), else its bytes if small enough to post.
      const transfer = event.dataTransfer;
      const uriList = transfer && typeof transfer.getData === 'function' ? transfer.getData('text/uri-list') : '';
      const uris = uriList.split(/\r?\n/).filter((u) => u.startsWith('file:'));
      const others = all.filter((f) => !f.type.startsWith('image/'));
      if (files.length === 0 && others.length === 0 && uris.length === 0) return;
      event.preventDefault();
      for (const file of files) void this.sendFile(file);
      if (uris.length > 0 && files.length === 0) {
        for (const uri of uris) this.withRoom((room) => host.post({ type: 'dropFile', room, uri }));
        return;
      }
      for (const file of others) void this.sendOtherFile(file);
    });
    // The file card's "Save File As..." button (the list draws it; the host does the rest).
    this.root.addEventListener('click', (event) => {
      const target = event.target instanceof Element ? event.target.closest('[data-save-file-cid]') : null;
      const cid = target?.getAttribute('data-save-file-cid');
      if (cid) this.withRoom((room) => host.post({ type: 'saveFile', room, cid }));
    });
    container.replaceChildren(this.root);
    this.renderAll();
  }

  /** Starts listening and tells the host the view is ready for its snapshot. */
  start(): void {
    this.stopListening = this.host.onMessage((message) => this.handle(message));
    this.host.post({ type: 'ready' });
  }

  dispose(): void {
    this.stopListening?.();
    this.list.dispose();
    this.images.clear();
  }

  handle(message: HostMessage): void {
    // Highlighting answers change blocks in place, and image bytes answer a request of the image cache; neither is view state.
    if (message.type === 'highlighted') this.highlights.apply(message.id, message.code);
    else if (message.type === 'themeChanged') this.highlights.themeChanged();
    else if (message.type === 'imageBytes') this.images.deliver(message);
    else this.render(this.state.apply(message));
  }

  private withRoom(action: (room: string) => void): void {
    const room = this.state.active;
    if (room) action(room);
  }

  private async sendFile(file: File): Promise<void> {
    const room = this.state.active;
    if (!room) return;
    const data = new Uint8Array(await file.arrayBuffer());
    this.host.post({ type: 'pasteImage', room, data, ...(file.name ? { name: file.name } : {}) });
  }

  /** A dropped non-image file without a URI: its bytes, up to the paste limit. */
  private async sendOtherFile(file: File): Promise<void> {
    const room = this.state.active;
    if (!room) return;
    if (file.size > MAX_PASTE_BYTES) {
      this.handle({ type: 'notice', level: 'error', text: `${file.name} is too large to drop here; use Send File... for files over ${MAX_PASTE_BYTES / 1024 / 1024} MB.` });
      return;
    }
    const data = new Uint8Array(await file.arrayBuffer());
    this.host.post({ type: 'dropFileBytes', room, data, name: file.name || 'file' });
  }

  private render(change: Change): void {
    switch (change.kind) {
      case 'all':
        this.renderAll();
        return;
      case 'connection':
        this.renderConnection();
        return;
      case 'rooms': {
        this.tabs.render(this.state.rooms, this.state.active);
        this.renderMessages('append');
        this.renderConnection();
        return;
      }
      case 'items':
        if (change.room === this.state.active) this.renderMessages('append');
        return;
      case 'older':
        if (change.room === this.state.active) this.renderMessages('prepend');
        return;
      case 'notice':
        this.renderNotice();
        return;
      case 'focus':
        this.composer.focus();
        return;
      case 'typing':
        if (change.room === this.state.active) this.typingLine.render(this.state.typingLine(change.room));
        return;
      default: {
        const unreachable: never = change;
        return unreachable;
      }
    }
  }

  private renderAll(): void {
    this.tabs.render(this.state.rooms, this.state.active);
    this.renderMessages('replace');
    this.renderConnection();
  }

  private renderNotice(): void {
    const notice = this.state.notice;
    this.notice.hidden = !notice;
    this.noticeText.textContent = notice?.text ?? '';
    this.notice.setAttribute('role', notice?.level === 'error' ? 'alert' : 'status');
    this.notice.className = `notice ${notice?.level ?? ''}`;
  }

  private renderConnection(): void {
    const { connection } = this.state;
    this.root.setAttribute('data-state', connection.state);
    this.banner.render(connection, this.state.rooms.length > 0);
    this.tabs.setLive(connection.state === 'joined', this.state.rooms.some((r) => r.room === this.state.active));
    // Joining clears a stale error notice (state.ts), so the notice follows the connection too.
    this.renderNotice();
    const room = this.state.active;
    // Messages typed while reconnecting are kept as pending and sent on reconnect; after Disconnect nothing can be sent.
    const canSend = room !== null && !this.state.readOnly;
    this.composer.setEnabled(
      canSend,
      canSend
        ? `Message #${room} (Enter to send, Shift+Enter for a new line)`
        : this.state.readOnly && room !== null
          ? 'Disconnected: connect again to write'
          : 'Connect to a room to chat',
    );
  }

  private renderMessages(how: 'replace' | 'append' | 'prepend'): void {
    const room = this.state.activeRoom();
    this.list.render(room?.room ?? null, room?.items ?? [], room?.more ?? false, how);
  }
}
