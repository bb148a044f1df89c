// Messages between the extension host and the chat webview: one union per
// direction, with string `type`s, and the guards each side runs on what comes in.
// The webview never sees a key: it gets display data only (names, fingerprints,
// text, image bytes to show).

import { isBytes, isCount, isFields, isString } from './guards';
import { IMAGE_MIMES, type ImageMime } from './constants';
import { isCid, isRoomName } from './names';
import { isHighlightedCode, MAX_CODE_CHARS, type HighlightedCode } from './highlight';
import { isCodeLang, isLineRange, isSafeRelativePath, type CodeSnippet } from './code';

/** Connection states shown in the view; the same names as the client's state events. */
export const CONNECTION_STATES = ['idle', 'connecting', 'hello', 'joining', 'joined', 'reconnecting', 'closed'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

// 'deleted': deleted for everyone (PROTOCOL.md section 11.3); it takes the place of the message with its id.
export const PLACEHOLDER_REASONS = ['undecryptable', 'bad_signature', 'cid_mismatch', 'unsupported', 'deleted'] as const;
export type PlaceholderReason = (typeof PLACEHOLDER_REASONS)[number];

export { IMAGE_MIMES, type ImageMime } from './constants';

/** Who sent a message, as the view shows it. */
export interface ViewSender {
  name: string;
  /** Identity key fingerprint in groups of four, shown on hover. */
  fingerprint: string;
}

/** Someone a message mentions (PROTOCOL.md section 10), as this host shows them: never a key. */
export interface ViewMention {
  /** The name pinned for that key here (the sender's word only when `pinned` is false). */
  name: string;
  fingerprint: string;
  /** The mention is of this user. */
  me: boolean;
  pinned: boolean;
}

/** At most 32 mentions per message (section 10). */
export const MAX_MENTIONS = 32;

/** Someone `@` can complete in a room: a name seen verified there, with its fingerprint (the key stays in the host). */
export interface ViewMember {
  name: string;
  fingerprint: string;
}

interface ViewItemBase {
  /** Server id; null while the message waits for its ack. */
  id: number | null;
  cid: string;
  /** Milliseconds since the epoch (server time once acked). */
  ts: number;
}

/** One emoji's reactions on a message (PROTOCOL.md section 13), folded by the host. */
export interface ViewReaction {
  emoji: string;
  count: number;
  /** Who reacted, in the order they did (shown on hover); escaped like sender names. */
  names: string[];
  /** This identity is among them (a click takes it back). */
  mine: boolean;
}

/** The message a reply answers, as the host found it. */
export interface ViewReplyTo {
  /** Server id of the message answered. */
  id: number;
  /** Its sender; null while it is not loaded (or could not be opened, or was deleted). */
  sender: ViewSender | null;
  /** A one-line plain preview ("message deleted" when deleted); null while it is not loaded. */
  preview: string | null;
}

/** What every shown message (not a placeholder) carries besides its kind's own fields. */
interface ViewShownBase extends ViewItemBase {
  from: ViewSender;
  own: boolean;
  /** false: this name was seen before with another identity key (section 4). */
  verified: boolean;
  /** When not verified, why, as a short label: "changed key", "looks like Ada" (never shown as verified). */
  why?: string;
  /** The user compared this sender's fingerprint and recorded a match (Verify Fingerprint...): a stronger mark than `verified`. */
  compared?: boolean;
  pending: boolean;
  /** The sender's signed time, only when it is more than five minutes from `ts` (both are shown then). */
  signedAt?: number;
  /** Whom the message mentions (section 10). */
  mentions?: ViewMention[];
  /** Reactions folded in (section 13); absent when none. */
  reactions?: ViewReaction[];
  /** An edit by its sender applies; the text shown is the newest edit's. */
  edited?: true;
  /** With `edited`: every earlier version of the text, oldest (the original) first. */
  versions?: string[];
}

export interface ViewTextItem extends ViewShownBase {
  kind: 'text';
  text: string;
}

/** An image as the view gets it: no bytes, only where to ask for them (`imageBytes`), so snapshots stay small. */
export interface ViewImage {
  mime: ImageMime;
  w: number;
  h: number;
  name?: string;
  ref: ImageRef;
}

/** Names one image's bytes for an `imageBytes` request: the sender's fingerprint and the message cid (two senders' same cid never collide). */
export interface ImageRef {
  key: string;
  cid: string;
}

export interface ViewImageItem extends ViewShownBase {
  kind: 'image';
  image: ViewImage;
}

/** A shared snippet (PROTOCOL.md section 10); highlighted on request (`highlight`). */
export interface ViewCodeItem extends ViewShownBase {
  kind: 'code';
  code: CodeSnippet;
}

/** A file message as the view shows it: name (last path segment), size and type only, never the key. */
export interface ViewFile {
  name: string;
  size: number;
  mime: string;
}

export interface ViewFileItem extends ViewShownBase {
  kind: 'file';
  file: ViewFile;
}

/** A reply (PROTOCOL.md section 13): text under a quote of the message it answers. */
export interface ViewReplyItem extends ViewShownBase {
  kind: 'reply';
  replyTo: ViewReplyTo;
  text: string;
}

export interface ViewPlaceholderItem extends ViewItemBase {
  kind: 'placeholder';
  reason: PlaceholderReason;
}

/**
 * PROTOCOL.md 12.5's room line ("Ada removed Carol", "Ada changed the passphrase") at the place of the
 * rotation's grant: a note in the timeline, not a message (no sender mark, no actions, not unread).
 */
export interface ViewLineItem extends ViewItemBase {
  kind: 'line';
  /** The owner who rotated (the grant's signer), escaped for display like a sender name. */
  by: ViewSender;
  /** The names it removed, escaped likewise; empty: the passphrase was changed. */
  removed: string[];
}

export type ViewItem = ViewTextItem | ViewImageItem | ViewCodeItem | ViewFileItem | ViewReplyItem | ViewPlaceholderItem | ViewLineItem;
/** The room line's sentence: "Ada removed Carol and Dan" or "Ada changed the passphrase" (names already escaped for display). */
export function roomLineText(by: string, removed: readonly string[]): string {
  if (removed.length === 0) return `${by} changed the passphrase`;
  const names = removed.length === 1 ? removed[0] : `${removed.slice(0, -1).join(', ')} and ${removed[removed.length - 1]}`;
  return `${by} removed ${names}`;
}

/** A view item that is a message of a known kind (has a sender, can be acted on). */
export type ViewMessageItem = Exclude<ViewItem, { kind: 'placeholder' | 'line' }>;

/** A message with a sender (not a placeholder, not a room line). */
export function isMessageItem(item: ViewItem): item is ViewMessageItem {
  return item.kind !== 'placeholder' && item.kind !== 'line';
}

export interface ViewConnection {
  state: ConnectionState;
  /** A sentence for the banner (why it is reconnecting, what failed). */
  detail?: string;
  server?: string;
}

export interface ViewMe {
  name: string;
  fingerprint: string;
}

export interface ViewRoomSummary {
  room: string;
  online: number;
  unread: number;
  /** Older messages exist on the server. */
  more: boolean;
  /** Server id of the first message that was unread when the room was opened: the view draws "New messages" before it. */
  newFrom?: number;
}

export interface ViewRoom extends ViewRoomSummary {
  items: ViewItem[];
}

export interface ViewSnapshot {
  connection: ViewConnection;
  me: ViewMe | null;
  rooms: ViewRoom[];
  active: string | null;
}

export type ViewCommand = 'connect' | 'switchRoom' | 'sendImage' | 'disconnect' | 'showFingerprint';
export const VIEW_COMMANDS: readonly ViewCommand[] = ['connect', 'switchRoom', 'sendImage', 'disconnect', 'showFingerprint'];

export type NoticeLevel = 'info' | 'error';

/** Host -> webview. */
export type HostMessage =
  | { type: 'snapshot'; snapshot: ViewSnapshot }
  | { type: 'connection'; connection: ViewConnection; me: ViewMe | null }
  /** New or changed items (merged by sender and cid, view-model.ts: a pending item becomes acked in place). */
  | { type: 'upsert'; room: string; items: ViewItem[] }
  /** An older page, to put before what the view has. */
  | { type: 'older'; room: string; items: ViewItem[]; more: boolean }
  /** Room list and the active room (unread counts, online counts, more flags). */
  | { type: 'rooms'; rooms: ViewRoomSummary[]; active: string | null }
  | { type: 'notice'; level: NoticeLevel; text: string }
  | { type: 'focusComposer' }
  /** Tokens for a `highlight` request (same id); the view builds the spans itself. */
  | { type: 'highlighted'; id: number; code: HighlightedCode }
  /** The colour theme changed: highlighted blocks on screen ask again. */
  | { type: 'themeChanged' }
  /** Who `@` can complete in a room, answering the view's `members` (PROTOCOL.md section 10). */
  | { type: 'members'; room: string; members: ViewMember[] }
  /** The answer to one `imageBytes` request: the bytes of the image named by (sender, cid). */
  | { type: 'imageBytes'; room: string; sender: string; cid: string; mime: ImageMime; data: Uint8Array }
  /** Who is typing in this room now (section 13); sent when it changes, the host expires names after 6 s. */
  | { type: 'typing'; room: string; who: ViewSender[] };

/** Webview -> host. */
export type WebviewMessage =
  /** Sent when the webview (re)loads; the host answers with one snapshot. */
  | { type: 'ready' }
  /** `mentions`: fingerprints of members picked with `@` (the host maps them to identity keys). */
  | { type: 'send'; room: string; text: string; mentions?: string[] }
  /** Who `@` can complete in this room; answered by `members`. */
  | { type: 'members'; room: string }
  | { type: 'loadOlder'; room: string }
  | { type: 'selectRoom'; room: string }
  | { type: 'openLink'; url: string }
  /** Open or save one image, named like its bytes by (sender fingerprint, cid). */
  | { type: 'openImage'; room: string; sender: string; cid: string }
  | { type: 'saveImage'; room: string; sender: string; cid: string }
  /** Pasted or dropped image bytes; the host prepares them (the webview never encodes). */
  | { type: 'pasteImage'; room: string; data: Uint8Array; name?: string }
  | { type: 'command'; command: ViewCommand }
  /** Tokens for a code block being shown (fence or snippet); answered by `highlighted` with the same id. */
  | { type: 'highlight'; id: number; lang: string; text: string }
  /** Open a shared snippet: its file in this workspace at those lines, else an untitled editor. */
  | { type: 'openCode'; code: CodeSnippet }
  | { type: 'copyText'; text: string }
  /** "Save File As..." on a file card: the host asks where and downloads. */
  | { type: 'saveFile'; room: string; cid: string }
  /** Files dropped on the chat that are not images (by URI when VS Code gives one, else their bytes). */
  | { type: 'dropFile'; room: string; uri: string }
  | { type: 'dropFileBytes'; room: string; data: Uint8Array; name: string }
  /** Asks for one image's bytes by (sender fingerprint, cid); the host answers once with `imageBytes` if it has them. */
  | { type: 'imageBytes'; room: string; sender: string; cid: string }
  /** Conversation (section 13): messages are named by server id; the host finds their sender key and cid. */
  | { type: 'reply'; room: string; to: number; text: string; mentions?: string[] }
  | { type: 'react'; room: string; id: number; emoji: string; remove: boolean }
  /** `mentions`: fingerprints the new text mentions, [] for no one now (PROTOCOL.md section 13); left out, they stay as they are. */
  | { type: 'edit'; room: string; id: number; text: string; mentions?: string[] }
  | { type: 'delete'; room: string; id: number }
  /** The user typed in this room's composer (the host sends at most one signal per 3 s). */
  | { type: 'typing'; room: string };

/** Text limits from PROTOCOL.md section 4 (64 KiB of UTF-8); checked again by the client. */
export const MAX_TEXT_CHARS = 64 * 1024;
/** Largest pasted file the webview may hand over; the image pipeline refuses above 25 MB anyway. */
export const MAX_PASTE_BYTES = 25 * 1024 * 1024;
const MAX_URL_CHARS = 8192;

/** A fingerprint as the view shows it (hex in groups of four); bounded so a request cannot carry a large string. */
function isFingerprint(v: unknown): v is string {
  return isString(v) && v.length > 0 && v.length <= 128 && /^[0-9A-Za-z ]+$/.test(v);
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/** Validates a message that arrived from the webview; null for anything else. */
export function parseWebviewMessage(value: unknown): WebviewMessage | null {
  if (!isFields(value) || !isString(value.type)) return null;
  const m = value;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'send': {
      if (!isRoomName(m.room) || !isString(m.text) || m.text.length > MAX_TEXT_CHARS) return null;
      if (m.mentions === undefined) return { type: 'send', room: m.room, text: m.text };
      return isFingerprints(m.mentions) ? { type: 'send', room: m.room, text: m.text, mentions: [...m.mentions] } : null;
    }
    case 'members':
      return isRoomName(m.room) ? { type: 'members', room: m.room } : null;
    case 'loadOlder':
    case 'selectRoom':
      return isRoomName(m.room) ? { type: m.type, room: m.room } : null;
    case 'openLink':
      return isString(m.url) && m.url.length <= MAX_URL_CHARS ? { type: 'openLink', url: m.url } : null;
    case 'openImage':
    case 'saveImage':
      return isRoomName(m.room) && isFingerprint(m.sender) && isCid(m.cid) ? { type: m.type, room: m.room, sender: m.sender, cid: m.cid } : null;
    case 'pasteImage': {
      if (!isRoomName(m.room) || !isBytes(m.data) || m.data.length === 0 || m.data.length > MAX_PASTE_BYTES) return null;
      const msg: WebviewMessage = { type: 'pasteImage', room: m.room, data: m.data };
      if (isString(m.name) && m.name.length <= 255) msg.name = m.name;
      return msg;
    }
    case 'saveFile':
      return isRoomName(m.room) && isCid(m.cid) ? { type: 'saveFile', room: m.room, cid: m.cid } : null;
    case 'dropFile':
      return isRoomName(m.room) && isString(m.uri) && m.uri.length <= MAX_URL_CHARS ? { type: 'dropFile', room: m.room, uri: m.uri } : null;
    case 'dropFileBytes':
      return isRoomName(m.room) && isBytes(m.data) && m.data.length <= MAX_PASTE_BYTES && isString(m.name) && m.name.length > 0 && m.name.length <= 255
        ? { type: 'dropFileBytes', room: m.room, data: m.data, name: m.name }
        : null;
    case 'command':
      return isOneOf(VIEW_COMMANDS, m.command) ? { type: 'command', command: m.command } : null;
    case 'highlight':
      return isCount(m.id) && isString(m.lang) && m.lang.length <= 64 && isString(m.text) && m.text.length <= MAX_CODE_CHARS
        ? { type: 'highlight', id: m.id, lang: m.lang, text: m.text }
        : null;
    case 'openCode':
      return isSnippet(m.code) ? { type: 'openCode', code: copySnippet(m.code) } : null;
    case 'copyText':
      return isString(m.text) && m.text.length <= MAX_TEXT_CHARS ? { type: 'copyText', text: m.text } : null;
    case 'imageBytes':
      return isRoomName(m.room) && isFingerprint(m.sender) && isCid(m.cid)
        ? { type: 'imageBytes', room: m.room, sender: m.sender, cid: m.cid }
        : null;
    case 'reply': {
      if (!isRoomName(m.room) || !isId(m.to) || !isMessageText(m.text)) return null;
      if (m.mentions === undefined) return { type: 'reply', room: m.room, to: m.to, text: m.text };
      return isFingerprints(m.mentions) ? { type: 'reply', room: m.room, to: m.to, text: m.text, mentions: [...m.mentions] } : null;
    }
    case 'react':
      return isRoomName(m.room) && isId(m.id) && isString(m.emoji) && m.emoji.length > 0 && m.emoji.length <= MAX_EMOJI_CHARS && typeof m.remove === 'boolean'
        ? { type: 'react', room: m.room, id: m.id, emoji: m.emoji, remove: m.remove }
        : null;
    case 'edit': {
      if (!isRoomName(m.room) || !isId(m.id) || !isMessageText(m.text)) return null;
      if (m.mentions === undefined) return { type: 'edit', room: m.room, id: m.id, text: m.text };
      return isFingerprints(m.mentions) ? { type: 'edit', room: m.room, id: m.id, text: m.text, mentions: [...m.mentions] } : null;
    }
    case 'delete':
      return isRoomName(m.room) && isId(m.id) ? { type: 'delete', room: m.room, id: m.id } : null;
    case 'typing':
      return isRoomName(m.room) ? { type: 'typing', room: m.room } : null;
    default:
      return null;
  }
}

/** Fingerprints as the view sends them: at most 32, each "XXXX XXXX ..." (base32 in groups). */
function isFingerprints(v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= MAX_MENTIONS && v.every((f) => isString(f) && /^[A-Z2-7 ]{1,64}$/.test(f));
}

function isMember(v: unknown): v is ViewMember {
  return isFields(v) && isString(v.name) && v.name.length <= 256 && isString(v.fingerprint) && v.fingerprint.length <= 64;
}

/** A server message id: a positive safe integer. */
function isId(v: unknown): v is number {
  return isCount(v) && v > 0;
}

/** Non-empty text within the 64 KiB limit (the client checks the UTF-8 bytes again). */
function isMessageText(v: unknown): v is string {
  return isString(v) && v.length > 0 && v.length <= MAX_TEXT_CHARS;
}

/** An emoji is at most 64 bytes of UTF-8 (section 13); the client checks the bytes and control characters. */
const MAX_EMOJI_CHARS = 64;

function isReaction(v: unknown): v is ViewReaction {
  return isFields(v) && isString(v.emoji) && v.emoji.length > 0 && isCount(v.count) && Array.isArray(v.names) && v.names.every(isString) && typeof v.mine === 'boolean';
}

function isReplyTo(v: unknown): v is ViewReplyTo {
  return isFields(v) && isId(v.id) && (v.sender === null || isSender(v.sender)) && (v.preview === null || isString(v.preview));
}

/** The folded fields every shown item may carry. */
function isFolded(v: Record<string, unknown>): boolean {
  return (
    (v.reactions === undefined || (Array.isArray(v.reactions) && v.reactions.every(isReaction))) &&
    (v.edited === undefined || v.edited === true) &&
    (v.versions === undefined || (Array.isArray(v.versions) && v.versions.every(isString)))
  );
}

function isConnection(v: unknown): v is ViewConnection {
  return (
    isFields(v) &&
    isOneOf(CONNECTION_STATES, v.state) &&
    (v.detail === undefined || isString(v.detail)) &&
    (v.server === undefined || isString(v.server))
  );
}

function isMe(v: unknown): v is ViewMe {
  return isFields(v) && isString(v.name) && isString(v.fingerprint);
}

function isSender(v: unknown): v is ViewSender {
  return isFields(v) && isString(v.name) && isString(v.fingerprint);
}

function isImage(v: unknown): v is ViewImage {
  return (
    isFields(v) &&
    isOneOf(IMAGE_MIMES, v.mime) &&
    isCount(v.w) &&
    isCount(v.h) &&
    // Bytes never travel inline (they are asked for by ref): an item that carries them is refused.
    v.data === undefined &&
    isFields(v.ref) &&
    isFingerprint(v.ref.key) &&
    isCid(v.ref.cid) &&
    (v.name === undefined || isString(v.name))
  );
}

function isSnippet(v: unknown): v is CodeSnippet {
  return (
    isFields(v) &&
    isCodeLang(v.lang) &&
    (v.path === undefined || isSafeRelativePath(v.path)) &&
    isLineRange(v.start, v.end) &&
    isString(v.text) &&
    v.text.length <= MAX_TEXT_CHARS
  );
}

/** Only the snippet's own fields, so nothing else a message carried travels on. */
function copySnippet(s: CodeSnippet): CodeSnippet {
  const { lang, path, start, end, text } = s;
  return path === undefined ? { lang, start, end, text } : { lang, path, start, end, text };
}

function isMentions(v: unknown): v is ViewMention[] {
  return (
    Array.isArray(v) &&
    v.length <= MAX_MENTIONS &&
    v.every((m) => isFields(m) && isString(m.name) && m.name.length <= 256 && isString(m.fingerprint) && typeof m.me === 'boolean' && typeof m.pinned === 'boolean')
  );
}

function isFile(v: unknown): v is ViewFile {
  return isFields(v) && isString(v.name) && isCount(v.size) && isString(v.mime);
}

export function isViewItem(v: unknown): v is ViewItem {
  if (!isFields(v)) return false;
  if (!(v.id === null || isCount(v.id)) || !isCid(v.cid) || !isCount(v.ts)) return false;
  switch (v.kind) {
    case 'placeholder':
      return isOneOf(PLACEHOLDER_REASONS, v.reason);
    case 'line':
      // At a grant's stored place, so never pending; at most 256 names, like the grant's `removed`.
      return isCount(v.id) && isSender(v.by) && Array.isArray(v.removed) && v.removed.length <= 256 && v.removed.every((n) => isString(n) && n.length <= 256);
    case 'text':
    case 'image':
    case 'code':
    case 'file':
    case 'reply': {
      const common =
        isSender(v.from) &&
        typeof v.own === 'boolean' &&
        typeof v.verified === 'boolean' &&
        (v.why === undefined || (isString(v.why) && v.why.length <= 200)) &&
        (v.compared === undefined || typeof v.compared === 'boolean') &&
        typeof v.pending === 'boolean' &&
        (v.signedAt === undefined || isCount(v.signedAt)) &&
        (v.mentions === undefined || isMentions(v.mentions));
      if (!common || !isFolded(v)) return false;
      if (v.kind === 'reply') return isString(v.text) && isReplyTo(v.replyTo);
      if (v.kind === 'code') return isSnippet(v.code);
      if (v.kind === 'file') return isFile(v.file);
      return v.kind === 'text' ? isString(v.text) : isImage(v.image);
    }
    default:
      return false;
  }
}

function isItems(v: unknown): v is ViewItem[] {
  return Array.isArray(v) && v.every(isViewItem);
}

function isRoomSummary(v: unknown): v is ViewRoomSummary {
  return (
    isFields(v) &&
    isRoomName(v.room) &&
    isCount(v.online) &&
    isCount(v.unread) &&
    typeof v.more === 'boolean' &&
    (v.newFrom === undefined || isCount(v.newFrom))
  );
}

function isRoom(v: unknown): v is ViewRoom {
  return isFields(v) && isRoomSummary(v) && isItems(v.items);
}

function isActive(v: unknown): v is string | null {
  return v === null || isRoomName(v);
}

export function isSnapshot(v: unknown): v is ViewSnapshot {
  return (
    isFields(v) &&
    isConnection(v.connection) &&
    (v.me === null || isMe(v.me)) &&
    Array.isArray(v.rooms) &&
    v.rooms.every(isRoom) &&
    isActive(v.active)
  );
}

/** Validates a message that arrived from the host; null for anything else. */
export function parseHostMessage(value: unknown): HostMessage | null {
  if (!isFields(value) || !isString(value.type)) return null;
  const m = value;
  switch (m.type) {
    case 'snapshot':
      return isSnapshot(m.snapshot) ? { type: 'snapshot', snapshot: m.snapshot } : null;
    case 'connection':
      return isConnection(m.connection) && (m.me === null || isMe(m.me))
        ? { type: 'connection', connection: m.connection, me: m.me }
        : null;
    case 'upsert':
      return isRoomName(m.room) && isItems(m.items) ? { type: 'upsert', room: m.room, items: m.items } : null;
    case 'older':
      return isRoomName(m.room) && isItems(m.items) && typeof m.more === 'boolean'
        ? { type: 'older', room: m.room, items: m.items, more: m.more }
        : null;
    case 'rooms':
      return Array.isArray(m.rooms) && m.rooms.every(isRoomSummary) && isActive(m.active)
        ? { type: 'rooms', rooms: m.rooms, active: m.active }
        : null;
    case 'notice':
      return isOneOf(['info', 'error'] as const, m.level) && isString(m.text)
        ? { type: 'notice', level: m.level, text: m.text }
        : null;
    case 'focusComposer':
      return { type: 'focusComposer' };
    case 'highlighted':
      return isCount(m.id) && isHighlightedCode(m.code) ? { type: 'highlighted', id: m.id, code: m.code } : null;
    case 'themeChanged':
      return { type: 'themeChanged' };
    case 'members':
      return isRoomName(m.room) && Array.isArray(m.members) && m.members.length <= 1024 && m.members.every(isMember)
        ? { type: 'members', room: m.room, members: m.members.map(({ name, fingerprint }) => ({ name, fingerprint })) }
        : null;
    case 'imageBytes':
      return isRoomName(m.room) && isFingerprint(m.sender) && isCid(m.cid) && isOneOf(IMAGE_MIMES, m.mime) && isBytes(m.data) && m.data.length > 0
        ? { type: 'imageBytes', room: m.room, sender: m.sender, cid: m.cid, mime: m.mime, data: m.data }
        : null;
    case 'typing':
      return isRoomName(m.room) && Array.isArray(m.who) && m.who.every(isSender)
        ? { type: 'typing', room: m.room, who: m.who.map((w) => ({ name: w.name, fingerprint: w.fingerprint })) }
        : null;
    default:
      return null;
  }
}
