// The CLI's JSON lines: one object per message, the shape other tools parse (each kind writes its own, client/kinds/).

import type { RoomItem } from '../chat-client';
import { toCliJson, type MessageLine } from '../kinds/index';

export type { MessageLine } from '../kinds/index';

export function messageLine(item: RoomItem): MessageLine {
  return toCliJson(item);
}

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
