// The notices and focus requests the chat view could not take yet (hidden, or
// not `ready`): kept, at most ten, until it can; an error notice held from an
// earlier attempt is dropped once a room is joined, so a "Cannot reach ..."
// never appears after the join that followed it. Plain module, tested on Node.

import type { HostMessage } from '../protocol/webview';

const MAX_HELD = 10;

export type TransientMessage = Extract<HostMessage, { type: 'notice' | 'focusComposer' }>;

export function isTransient(message: HostMessage): message is TransientMessage {
  return message.type === 'notice' || message.type === 'focusComposer';
}

/** Whether this message says a room is joined (then held errors are stale). */
function saysJoined(message: HostMessage): boolean {
  if (message.type === 'connection') return message.connection.state === 'joined';
  if (message.type === 'snapshot') return message.snapshot.connection.state === 'joined';
  return false;
}

export class HeldNotices {
  private held: TransientMessage[] = [];

  hold(message: TransientMessage): void {
    this.held = [...this.held.slice(-(MAX_HELD - 1)), message];
  }

  /** Every message posted (or meant for the view) passes here, held or not. */
  seen(message: HostMessage): void {
    if (saysJoined(message)) this.held = this.held.filter((m) => !(m.type === 'notice' && m.level === 'error'));
  }

  /** The held messages in order; the hold is emptied. */
  take(): TransientMessage[] {
    return this.held.splice(0);
  }
}
