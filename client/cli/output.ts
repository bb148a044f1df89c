// The CLI's JSON lines: one object per message, the shape other tools parse.

import { createHash } from 'node:crypto';
import type { RoomItem } from '../chat-client';
import { escapeName } from '../names';

export type MessageLine =
  | { id: number; ts: number; cid: string; error: string }
  | {
      id: number;
      ts: number;
      cid: string;
      from: { name: string; fingerprint: string };
      verified: boolean;
      kind: 'text' | 'image';
      text?: string;
      image?: { mime: string; w: number; h: number; bytes: number; sha256: string };
    };

export function messageLine(item: RoomItem): MessageLine {
  const { id, ts, cid } = item;
  if (item.kind === 'placeholder') return { id, ts, cid, error: item.error };
  // Invisible and bidi characters shown as \u{...}: "Ada\u200B" must not print as "Ada" (issue 11).
  const base = { id, ts, cid, from: { name: escapeName(item.from.name), fingerprint: item.from.fingerprint }, verified: item.verified };
  if (item.kind === 'text') return { ...base, kind: 'text', text: item.text };
  const { mime, w, h, data } = item.image;
  return {
    ...base,
    kind: 'image',
    image: { mime, w, h, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') },
  };
}

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
