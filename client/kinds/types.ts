// The parts every message kind supplies (PROTOCOL.md section 4), so that adding a kind is one module plus one registry line.

import type { ViewPlaceholderItem, ViewSender } from '../../protocol/webview';
import type { PreparedImage } from '../images/types';
import type { UnverifiedReason } from '../envelope';

/** The sender as signed inside a body. */
export interface BodySender {
  name: string;
  /** 32-byte Ed25519 identity public key. */
  key: Uint8Array;
}

/** The fields every body has, before the kind's own (wire order: cid, ts, from, k). */
export interface BodyBase {
  cid: string;
  ts: number;
  from: BodySender;
}

export interface Sender {
  name: string;
  key: Uint8Array;
  /** "LYOC IQ4N 73YH RUIN RLDH 4RRM" */
  fingerprint: string;
}

export interface ItemBase {
  /** Server id; 0 while the message is pending (not yet acked). */
  id: number;
  /** Server receive time (ms); the local time while pending. */
  ts: number;
  cid: string;
}

export interface ShownBase extends ItemBase {
  from: Sender;
  /** false: this name was pinned to another identity key in this room ("changed key"). */
  verified: boolean;
  /** Why `verified` is false: changed key, looks like a pinned name, or invisible characters. */
  unverified?: UnverifiedReason;
  /** Sent by this identity. */
  own: boolean;
  /** The sender's clock, from inside the envelope. */
  sentAt: number;
}

/** The fields of a shown message in the webview (display data only, never a key). */
export interface ViewShownBase {
  id: number | null;
  cid: string;
  ts: number;
  from: ViewSender;
  own: boolean;
  verified: boolean;
  /** When not verified: the label to show ("changed key", "looks like Ada"). */
  why?: string;
  pending: boolean;
}

/** The fields of a shown message in the CLI's JSON lines. */
export interface CliShownBase {
  id: number;
  ts: number;
  cid: string;
  from: { name: string; fingerprint: string };
  verified: boolean;
}

/** What turning a body into an item may need from the client's options. */
export interface ItemContext {
  /** Header checks of a received image (type, size, real dimensions); a string says why it is refused. */
  checkImage: (image: PreparedImage) => PreparedImage | string;
  /** false for our own bodies (sent or restored from the outbox): they were checked when made. */
  received: boolean;
}

/**
 * One message kind. B: its body, I: its room item, V: its view item, C: its CLI line.
 * Each function handles exactly its own kind; the registry picks the module by `k`.
 */
export interface MessageKind<B extends BodyBase & { k: string }, I extends ShownBase & { kind: string }, V extends ViewShownBase & { kind: string }, C> {
  readonly k: B['k'];
  /** Reads the kind's fields from a decoded, signature-checked body map; null when they are not valid. */
  guard(fields: Record<string, unknown>, base: BodyBase): B | null;
  /** The kind's own fields in wire order (after cid, ts, from, k) for encoding. */
  fields(body: B): Record<string, unknown>;
  /** The room item, or a string saying why this body cannot be shown (it becomes a placeholder). */
  toItem(body: B, base: ShownBase, context: ItemContext): I | string;
  /** What the webview gets for the item. */
  toViewItem(item: I, base: ViewShownBase): V;
  /** One line for a notification or toast (plain text; the caller escapes it for its surface). */
  preview(item: V, max: number): string;
  /** The CLI's JSON line for the item. */
  toCliJson(item: I, base: CliShownBase): C;
  /** The blobs (PROTOCOL.md section 9) a message of this kind names: `send.blobs` (section 11.2), so deleting it erases them. */
  blobs?(body: B): string[];
}

/** The placeholder's parts: everything a client cannot show becomes one (never content). */
export interface PlaceholderParts {
  preview(item: ViewPlaceholderItem): string;
}
