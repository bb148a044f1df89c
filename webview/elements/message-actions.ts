// What a shown message offers (issue 13): the hover toolbar (React, Reply, Edit,
// Delete, More), the reaction chips (a press toggles mine), and "(edited)". Only
// buttons with data-action / data-react-emoji / data-show-versions: the
// conversation controller (conversation.ts) handles the clicks for the whole list.

import type { ViewItem, ViewReaction } from '../../protocol/webview';
import { ACTION_LABELS, editedLabel, reactionLabel } from '../a11y';
import { h, icon } from './dom';
import { TESTID } from './selectors';

export type Shown = Exclude<ViewItem, { kind: 'placeholder' | 'line' }>;
export type MessageAction = 'react' | 'reply' | 'edit' | 'delete' | 'copy' | 'more';

/** Which actions a message allows: nothing while it waits for its ack (it has no id to name yet). */
export function actionsFor(item: ViewItem): MessageAction[] {
  if (item.kind === 'placeholder' || item.kind === 'line' || item.id === null || item.pending) return [];
  const out: MessageAction[] = ['react', 'reply'];
  if (item.own && (item.kind === 'text' || item.kind === 'reply')) out.push('edit');
  if (item.own) out.push('delete');
  if (copyable(item) !== null) out.push('copy');
  return out;
}

/** The text Copy Text copies, or null for kinds without text. */
export function copyable(item: Shown): string | null {
  switch (item.kind) {
    case 'text':
    case 'reply':
      return item.text;
    case 'code':
      return item.code.text;
    case 'image':
    case 'file':
      return null;
    default: {
      const unreachable: never = item;
      return unreachable;
    }
  }
}

const ICONS: Record<Exclude<MessageAction, 'copy'>, string> = { react: 'reactions', reply: 'reply', edit: 'edit', delete: 'trash', more: 'ellipsis' };

/**
 * The toolbar shown on hover and while the message holds focus. Its buttons are
 * out of the tab order (a room has hundreds); the keyboard gets the same actions
 * from the message's menu (Shift+F10 or the Menu key on a focused message).
 */
export function actionBar(doc: Document, item: ViewItem): HTMLElement | null {
  const actions = actionsFor(item);
  if (actions.length === 0) return null;
  const shown = actions.filter((a): a is Exclude<MessageAction, 'copy'> => a !== 'copy');
  return h(
    doc,
    'div',
    { class: 'message-actions', role: 'toolbar', 'aria-label': 'Message actions', 'data-testid': TESTID.messageActions },
    [...shown, 'more' as const].map((a) =>
      h(doc, 'button', { type: 'button', class: 'action', tabindex: -1, 'data-action': a, 'data-testid': `action-${a}`, title: ACTION_LABELS[a], 'aria-label': ACTION_LABELS[a] }, [
        icon(doc, ICONS[a]),
      ]),
    ),
  );
}

/** One chip per emoji: its count, who reacted in the tooltip, pressed when mine. */
export function reactionChips(doc: Document, reactions: readonly ViewReaction[]): HTMLElement | null {
  if (reactions.length === 0) return null;
  return h(
    doc,
    'div',
    { class: 'reactions', role: 'group', 'aria-label': 'Reactions' },
    reactions.map((r) => {
      const chip = h(
        doc,
        'button',
        {
          type: 'button',
          class: r.mine ? 'reaction mine' : 'reaction',
          'data-testid': TESTID.reaction,
          'data-react-emoji': r.emoji,
          'aria-pressed': String(r.mine),
          'aria-label': reactionLabel(r),
          title: r.names.join(', '),
        },
        [h(doc, 'span', { class: 'reaction-emoji' }, [r.emoji]), h(doc, 'span', { class: 'reaction-count' }, [String(r.count)])],
      );
      return chip;
    }),
  );
}

/** "(edited)": a button that shows the earlier versions. */
export function editedMark(doc: Document, versions: number): HTMLElement {
  return h(doc, 'button', { type: 'button', class: 'edited', 'data-testid': TESTID.edited, 'data-show-versions': '', 'aria-label': editedLabel(versions), title: 'Show earlier versions' }, [
    '(edited)',
  ]);
}
