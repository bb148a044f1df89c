// The "text" kind (PROTOCOL.md section 4): a string of at most 64 KiB of UTF-8.

import { MAX_TEXT_BYTES } from '../../protocol/constants';
import { isString } from '../../protocol/guards';
import type { ViewTextItem } from '../../protocol/webview';
import { utf8 } from '../keys';
import type { BodyBase, CliShownBase, MessageKind, ShownBase } from './types';

export interface TextBody extends BodyBase {
  k: 'text';
  text: string;
}

export interface TextItem extends ShownBase {
  kind: 'text';
  text: string;
}

export interface TextLine extends CliShownBase {
  kind: 'text';
  text: string;
}

export const textKind: MessageKind<TextBody, TextItem, ViewTextItem, TextLine> = {
  k: 'text',
  guard(fields, base) {
    const text = fields.text;
    if (!isString(text) || utf8(text).length > MAX_TEXT_BYTES) return null;
    return { ...base, k: 'text', text };
  },
  fields: (body) => ({ text: body.text }),
  toItem: (body, base) => ({ ...base, kind: 'text', text: body.text }),
  toViewItem: (item, base) => ({ ...base, kind: 'text', text: item.text }),
  preview(item, max) {
    const line = item.text.replace(/\s+/g, ' ').trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
  },
  toCliJson: (item, base) => ({ ...base, kind: 'text', text: item.text }),
};
