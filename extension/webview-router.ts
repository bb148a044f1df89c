// Where each message from the chat webview goes: one exhaustive switch over the
// validated union (protocol/webview.ts). Anything that fails validation is
// dropped before it gets here. Plain module (no `vscode`): the actions are
// injected, so the routing is tested on Node.

import type { CodeSnippet } from '../protocol/code';
import type { HighlightedCode } from '../protocol/highlight';
import type { HostMessage, NoticeLevel, ViewMember, WebviewMessage } from '../protocol/webview';
import type { HostImage } from './session';
import { VIEW_COMMAND_IDS, type CommandId } from './commands/table';
import { safeExternalUrl } from './links';

/** A webview message other than `ready` (the view provider answers that one itself). */
export type ViewRequest = Exclude<WebviewMessage, { type: 'ready' }>;

/** The session as the router uses it. */
export interface RoutedSession {
  /** `mentions`: fingerprints of room members (PROTOCOL.md section 10); the session maps them to keys. */
  sendText(room: string, text: string, mentions?: readonly string[]): Promise<unknown>;
  /** Who `@` can complete in a room. */
  mentionable(room: string): ViewMember[];
  loadOlder(room: string): Promise<void>;
  selectRoom(room: string): void;
  /** The image this sender sent in this room under this cid, with its bytes. */
  image(room: string, sender: string, cid: string): HostImage | undefined;
  typing(room: string): void;
  /** Conversation (PROTOCOL.md section 13): messages named by server id. */
  sendReply(room: string, to: number, text: string, mentions?: readonly string[]): Promise<unknown>;
  react(room: string, id: number, emoji: string, remove: boolean): Promise<unknown>;
  /** `mentions`: the new text's ([] for none); left out, the message keeps its own (section 13). */
  edit(room: string, id: number, text: string, mentions?: readonly string[]): Promise<unknown>;
  deleteMessage(room: string, id: number): Promise<void>;
}

export interface RouterActions {
  session(): RoutedSession | undefined;
  post(message: HostMessage): void;
  notice(level: NoticeLevel, text: string): void;
  rememberRoom(room: string): void;
  openExternal(url: URL): Promise<void>;
  openImage(image: HostImage): void;
  saveImage(room: string, sender: string, cid: string): Promise<void>;
  /** Pasted or dropped bytes: prepared (scaled, re-encoded) and sent. */
  sendImageBytes(room: string, input: { bytes: Uint8Array; name?: string }, label: string): Promise<void>;
  runCommand(id: CommandId): Promise<void>;
  /** Tokens for a code block the view shows, in the current theme (plain when the language is unknown). */
  highlight(lang: string, text: string): Promise<HighlightedCode>;
  openCode(code: CodeSnippet): Promise<void>;
  copyText(text: string): Promise<void>;
  /** Save File As... for a file card: asks where, downloads with progress. */
  saveFile(room: string, cid: string): Promise<void>;
  /** A non-image file dropped on the chat, by URI or (small files only) by bytes. */
  sendDroppedUri(uri: string): Promise<void>;
  sendDroppedBytes(data: Uint8Array, name: string): Promise<void>;
}

export async function routeWebviewMessage(message: ViewRequest, to: RouterActions): Promise<void> {
  const session = to.session();
  switch (message.type) {
    case 'typing':
      // Typing while disconnected tells no one: nothing to do, nothing to say.
      session?.typing(message.room);
      return;
    case 'send':
      if (!session) {
        to.notice('error', 'Message App is not connected. Connect to a server to send messages.');
        return;
      }
      await session.sendText(message.room, message.text, message.mentions);
      return;
    case 'members':
      to.post({ type: 'members', room: message.room, members: session?.mentionable(message.room) ?? [] });
      return;
    case 'loadOlder':
      // The view waits for an answer to each request, so one comes even without a session.
      if (session) await session.loadOlder(message.room);
      else to.post({ type: 'older', room: message.room, items: [], more: false });
      return;
    case 'selectRoom':
      session?.selectRoom(message.room);
      to.rememberRoom(message.room);
      return;
    case 'openLink': {
      const url = safeExternalUrl(message.url);
      if (!url) {
        to.notice('error', 'Only http and https links can be opened from the chat.');
        return;
      }
      await to.openExternal(url);
      return;
    }
    case 'openImage': {
      const image = session?.image(message.room, message.sender, message.cid);
      if (image) to.openImage(image);
      return;
    }
    case 'saveImage':
      await to.saveImage(message.room, message.sender, message.cid);
      return;
    case 'pasteImage':
      await to.sendImageBytes(message.room, { bytes: message.data, ...(message.name ? { name: message.name } : {}) }, message.name ?? 'pasted image');
      return;
    case 'command':
      await to.runCommand(VIEW_COMMAND_IDS[message.command]);
      return;
    case 'highlight':
      to.post({ type: 'highlighted', id: message.id, code: await to.highlight(message.lang, message.text) });
      return;
    case 'openCode':
      await to.openCode(message.code);
      return;
    case 'copyText':
      await to.copyText(message.text);
      return;
    case 'saveFile':
      await to.saveFile(message.room, message.cid);
      return;
    case 'dropFile':
      await to.sendDroppedUri(message.uri);
      return;
    case 'dropFileBytes':
      await to.sendDroppedBytes(message.data, message.name);
      return;
    case 'imageBytes': {
      // Answered once per request, and only for the sender the view names: one sender's cid never yields another's bytes.
      const { room, sender, cid } = message;
      const image = session?.image(room, sender, cid);
      if (!image) return;
      to.post({ type: 'imageBytes', room, sender, cid, mime: image.item.image.mime, data: image.data });
      return;
    }
    case 'reply':
    case 'react':
    case 'edit':
    case 'delete': {
      if (!session) {
        to.notice('error', 'Message App is not connected. Connect to a server to change messages.');
        return;
      }
      if (message.type === 'reply') await session.sendReply(message.room, message.to, message.text, message.mentions);
      else if (message.type === 'react') await session.react(message.room, message.id, message.emoji, message.remove);
      else if (message.type === 'edit') await session.edit(message.room, message.id, message.text, message.mentions);
      else await session.deleteMessage(message.room, message.id);
      return;
    }
    default: {
      const unreachable: never = message;
      return unreachable;
    }
  }
}
