// What the status-bar item says: connection state and the current room with its
// own unread count, and apart from it the unread messages of the other rooms
// (so "big (3)" never means three messages elsewhere). Plain module (no
// `vscode`), tested on Node.

import type { ViewConnection, ViewRoomSummary } from '../../protocol/webview';

export interface StatusView {
  text: string;
  tooltip: string;
  /** Read by screen readers instead of the text with its icon names. */
  label: string;
  /** Shown on the warning background (the connection is being retried). */
  warning: boolean;
}

/**
 * With `plaintext` (connected without TLS, chosen in the settings) the connected item shows an open
 * lock on the warning background: the network can read room names and timing.
 */
export function statusView(connection: ViewConnection, room: string | null, rooms: readonly ViewRoomSummary[], plaintext = false): StatusView {
  const view = connectionView(connection, room, rooms);
  if (!plaintext || (connection.state !== 'joined' && connection.state !== 'hello')) return view;
  return {
    text: `$(unlock) ${view.text}`,
    tooltip: `Not encrypted in transit: TLS is off ("messageApp.tls"), so the network sees room names and timing (messages stay end-to-end encrypted).\n${view.tooltip}`,
    label: `${view.label}, without TLS`,
    warning: true,
  };
}

function connectionView(connection: ViewConnection, room: string | null, rooms: readonly ViewRoomSummary[]): StatusView {
  const where = connection.server ? ` on ${connection.server}` : '';
  const click = 'Click to open the chat.';
  switch (connection.state) {
    case 'joined':
    case 'hello': {
      const here = rooms.find((r) => r.room === room)?.unread ?? 0;
      const others = rooms.filter((r) => r.room !== room && r.unread > 0);
      const elsewhere = others.reduce((sum, r) => sum + r.unread, 0);
      const name = room ?? 'no room';
      const lines = [room ? `Message App: ${room}${where}` : `Message App: connected${where}, no room joined`];
      if (here > 0) lines.push(`${here} unread in ${name}`);
      if (elsewhere > 0) lines.push(`${elsewhere} unread in other rooms: ${others.map((r) => `${r.room} (${r.unread})`).join(', ')}`);
      lines.push(click);
      const label = [`Message App, room ${name}`, here > 0 ? `${here} unread` : '', elsewhere > 0 ? `${elsewhere} unread in other rooms` : '']
        .filter(Boolean)
        .join(', ');
      return {
        text: `$(comment-discussion) ${room ?? 'Chat: no room'}${here > 0 ? ` (${here})` : ''}${elsewhere > 0 ? `  $(bell-dot) ${elsewhere}` : ''}`,
        tooltip: lines.join('\n'),
        label,
        warning: false,
      };
    }
    case 'connecting':
    case 'joining':
      return { text: '$(sync~spin) Chat: connecting', tooltip: `Message App: connecting${where}\n${click}`, label: 'Message App, connecting', warning: false };
    case 'reconnecting':
      return {
        text: '$(sync~spin) Chat: reconnecting',
        tooltip: `Message App: connection lost${where}; reconnecting${connection.detail ? `\n${connection.detail}` : ''}\n${click}`,
        label: 'Message App, reconnecting',
        warning: true,
      };
    case 'idle':
    case 'closed':
      return { text: '$(comment-discussion) Chat: offline', tooltip: `Message App: not connected\n${click}`, label: 'Message App, offline', warning: false };
    default: {
      const unreachable: never = connection.state;
      return unreachable;
    }
  }
}
