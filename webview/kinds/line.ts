// Draws a room line's sentence (PROTOCOL.md 12.5): the names go in as text nodes, never as markup.

import { roomLineText, type ViewLineItem } from '../../protocol/webview';
import { h } from '../elements/dom';
import type { Renderer } from './types';

export const renderLine: Renderer<ViewLineItem> = (item, { doc }) =>
  h(doc, 'span', { class: 'room-line-text', dir: 'auto' }, [roomLineText(item.by.name, item.removed)]);
