// The registry of message kinds: one line per kind. A Record over KindName, so the
// compiler reports a kind that lacks a part; everything else dispatches through here.

import type { ViewCodeItem, ViewFileItem, ViewImageItem, ViewItem, ViewReplyItem, ViewTextItem } from '../../protocol/webview';
import { codeKind, type CodeBody, type CodeItem, type CodeLine } from './code';
import { fileKind, type FileBody, type FileItem, type FileLine } from './file';
import { imageKind, type ImageBody, type ImageItem, type ImageLine } from './image';
import { replyKind, type ReplyBody, type ReplyItem, type ReplyLine } from './reply';
import { textKind, type TextBody, type TextItem, type TextLine } from './text';
import { escapeName } from '../names';
import { reasonLabel } from '../envelope';
import { messageTimes } from '../signed-time';
import type { BodyBase, CliShownBase, ItemContext, MessageKind, ShownBase } from './types';
import { placeholder, type PlaceholderItem, type PlaceholderLine } from './unknown';
import { roomLine, type LineItem, type RoomLineJson } from './line';

/** Per kind: its body, room item, view item and CLI line. One line here per kind. */
interface KindTypes {
  text: [TextBody, TextItem, ViewTextItem, TextLine];
  image: [ImageBody, ImageItem, ViewImageItem, ImageLine];
  code: [CodeBody, CodeItem, ViewCodeItem, CodeLine];
  file: [FileBody, FileItem, ViewFileItem, FileLine];
  reply: [ReplyBody, ReplyItem, ViewReplyItem, ReplyLine];
}

export type KindName = keyof KindTypes;
/** Every body this client can show. */
export type Body = KindTypes[KindName][0];
/** A shown message (of a known kind). */
export type ShownItem = KindTypes[KindName][1];
/** What a room's timeline holds: messages, placeholders and the room lines of rotations (12.5). */
export type RoomItem = ShownItem | PlaceholderItem | LineItem;
export type MessageLine = KindTypes[KindName][3] | PlaceholderLine | RoomLineJson;

type Registry = { [K in KindName]: MessageKind<KindTypes[K][0], KindTypes[K][1], KindTypes[K][2], KindTypes[K][3]> };

export const KINDS: Registry = {
  text: textKind,
  image: imageKind,
  code: codeKind,
  file: fileKind,
  reply: replyKind,
};

export function isKindName(k: string): k is KindName {
  return Object.prototype.hasOwnProperty.call(KINDS, k);
}

// The helpers below are the single place where a value of the union meets its module.
// TypeScript cannot relate `KINDS[item.kind]` to `item` across the mapped type (the
// discriminant guarantees they match), hence this one widening.
type AnyKind = MessageKind<Body, ShownItem, KindTypes[KindName][2], MessageLine>;
function loose(k: KindName): AnyKind {
  return KINDS[k] as unknown as AnyKind;
}

/** Reads a known kind's fields from a decoded body; null when they are invalid. */
export function guardBody(k: KindName, fields: Record<string, unknown>, base: BodyBase): Body | null {
  return loose(k).guard(fields, base);
}

/** The room item for a body, or a string saying why it cannot be shown. */
export function bodyToItem(body: Body, base: ShownBase, context: ItemContext): ShownItem | string {
  return loose(body.k).toItem(body, base, context);
}

export function bodyFields(body: Body): Record<string, unknown> {
  return loose(body.k).fields(body);
}

/** The blobs a body names, for `send.blobs` (PROTOCOL.md section 11.2); empty for kinds without blobs. */
export function bodyBlobs(body: Body): string[] {
  return loose(body.k).blobs?.(body) ?? [];
}

export { placeholder, type PlaceholderItem, type PlaceholderLine };
export { roomLine, type LineItem, type RoomLineJson };
export type { ImageBody, ImageItem, TextBody, TextItem };
export type { CodeBody, CodeItem };
export type { FileBody, FileItem };
export type { ReplyBody, ReplyItem };

/** The view item for a room item; `pending`: sent by us and not yet acked. */
export function toViewItem(item: RoomItem, pending = false): ViewItem {
  const id = pending || item.id === 0 ? null : item.id;
  if (item.kind === 'placeholder') return placeholder.toViewItem(item, id);
  if (item.kind === 'line') return roomLine.toViewItem(item);
  return loose(item.kind).toViewItem(item, {
    id,
    cid: item.cid,
    ts: item.ts,
    // The key itself stays in the host; the view shows its fingerprint. Invisible characters show escaped, as in the CLI.
    from: { name: escapeName(item.from.name), fingerprint: item.from.fingerprint },
    own: item.own,
    verified: item.verified,
    ...(item.unverified ? { why: reasonLabel(item.unverified) } : {}),
    ...(item.compared ? { compared: true } : {}),
    pending: id === null,
    // The sender's clock disagrees with the server's by over five minutes (a replay or a skewed clock): the view shows both.
    ...(id !== null && messageTimes(item.sentAt, item.ts).server !== undefined ? { signedAt: item.sentAt } : {}),
    // Section 10: names and fingerprints only; the keys stay in the host.
    ...(item.mentions ? { mentions: item.mentions.map(({ name, fingerprint, me, pinned }) => ({ name, fingerprint, me, pinned })) } : {}),
  });
}

/** A short plain line for a notification. */
export function previewText(item: ViewItem, max = 120): string {
  if (item.kind === 'placeholder') return placeholder.preview();
  if (item.kind === 'line') return roomLine.preview(item);
  return loose(item.kind).preview(item, max);
}

/** The CLI's JSON line for a room item. */
export function toCliJson(item: RoomItem): MessageLine {
  if (item.kind === 'placeholder') return placeholder.toCliJson(item);
  if (item.kind === 'line') return roomLine.toCliJson(item);
  const { id, ts, cid } = item;
  const base: CliShownBase = { id, ts, cid, from: { name: escapeName(item.from.name), fingerprint: item.from.fingerprint }, verified: item.verified };
  if (item.mentions) base.mentions = item.mentions.map(({ name, fingerprint }) => ({ name, fingerprint }));
  return loose(item.kind).toCliJson(item, base);
}
