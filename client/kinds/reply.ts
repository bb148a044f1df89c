// The "reply" kind (PROTOCOL.md section 13): a text message that answers another message, named by its server id.

import { MAX_TEXT_BYTES } from '../../protocol/constants';
import { isCount, isString } from '../../protocol/guards';
import type { ViewReplyItem } from '../../protocol/webview';
import { utf8 } from '../keys';
import type { BodyBase, CliShownBase, MessageKind, ShownBase } from './types';

export interface ReplyBody extends BodyBase {
  k: 'reply';
  /** Server id of the message answered. */
  to: number;
  text: string;
}

export interface ReplyItem extends ShownBase {
  kind: 'reply';
  replyTo: number;
  text: string;
}

export interface ReplyLine extends CliShownBase {
  kind: 'reply';
  reply_to: number;
  text: string;
}

export const replyKind: MessageKind<ReplyBody, ReplyItem, ViewReplyItem, ReplyLine> = {
  k: 'reply',
  guard(fields, base) {
    const { to, text } = fields;
    if (!isCount(to) || to === 0 || !isString(text) || utf8(text).length > MAX_TEXT_BYTES) return null;
    return { ...base, k: 'reply', to, text };
  },
  // Wire order of the vectors: to, text.
  fields: (body) => ({ to: body.to, text: body.text }),
  toItem: (body, base) => ({ ...base, kind: 'reply', replyTo: body.to, text: body.text }),
  // The quoted message's sender and preview are filled in by the host, which holds the room's messages.
  toViewItem: (item, base) => ({ ...base, kind: 'reply', replyTo: { id: item.replyTo, sender: null, preview: null }, text: item.text }),
  preview(item, max) {
    const line = item.text.replace(/\s+/g, ' ').trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
  },
  toCliJson: (item, base) => ({ ...base, kind: 'reply', reply_to: item.replyTo, text: item.text }),
};
