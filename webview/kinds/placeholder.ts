// Draws the placeholder for a message that cannot be shown (undecryptable, bad signature, unknown kind).

import type { ViewPlaceholderItem } from '../../protocol/webview';
import { h } from '../elements/dom';
import { TESTID } from '../elements/selectors';
import { placeholderText } from '../state';
import type { Renderer } from './types';

export const renderPlaceholder: Renderer<ViewPlaceholderItem> = (item, { doc }) =>
  h(doc, 'div', { class: 'placeholder', 'data-testid': TESTID.placeholder }, [placeholderText(item)]);
