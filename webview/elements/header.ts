// The top of the view: the connection banner, the rooms joined in this window
// (a tab list with unread counters) and how many people are online.

import type { ViewConnection, ViewRoomSummary } from '../../protocol/webview';
import { h, icon, targetElement } from './dom';
import { TESTID } from './selectors';

/** Banner text for each connection state; null hides the banner. */
export function bannerText(connection: ViewConnection, hasRooms: boolean): string | null {
  switch (connection.state) {
    case 'joined':
      return null;
    case 'idle':
      return hasRooms ? 'Not connected.' : 'Not connected. Connect to a server to start chatting.';
    case 'connecting':
      return `Connecting to ${connection.server ?? 'the server'}…`;
    case 'hello':
      return hasRooms ? 'Joining the room…' : `Connected to ${connection.server ?? 'the server'}, but not to a room yet.`;
    case 'joining':
      return 'Joining the room…';
    case 'reconnecting':
      return 'Connection lost. Reconnecting…';
    case 'closed':
      if (connection.detail) return `Disconnected: ${connection.detail}`;
      return hasRooms ? 'Disconnected. The messages below are read-only until you connect again.' : 'Disconnected.';
    default: {
      const unreachable: never = connection.state;
      return unreachable;
    }
  }
}

export class Banner {
  readonly el: HTMLElement;
  private readonly text: HTMLElement;
  private readonly connect: HTMLElement;

  constructor(doc: Document, onConnect: () => void) {
    this.text = h(doc, 'span', { class: 'banner-text' });
    this.connect = h(doc, 'vscode-button', { 'data-testid': TESTID.connect }, ['Connect to Server...']);
    this.connect.addEventListener('click', onConnect);
    this.el = h(doc, 'div', { class: 'banner', role: 'status', 'data-testid': TESTID.banner }, [
      icon(doc, 'plug'),
      this.text,
      this.connect,
    ]);
  }

  render(connection: ViewConnection, hasRooms: boolean): void {
    const text = bannerText(connection, hasRooms);
    this.el.setAttribute('data-state', connection.state);
    this.el.hidden = text === null;
    this.text.textContent = text ?? '';
    // The client's reason (for example why the last attempt failed) is there on hover.
    this.el.title = connection.detail ?? '';
    // Offer to connect only when nothing is under way.
    this.connect.hidden = !(connection.state === 'idle' || connection.state === 'closed' || (connection.state === 'hello' && !hasRooms));
  }
}

export class RoomTabs {
  readonly el: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly online: HTMLElement;
  /** Joined now: only then is the online count known (after Disconnect or while reconnecting it would be stale). */
  private live = true;

  constructor(private readonly doc: Document, private readonly onSelect: (room: string) => void) {
    this.tabs = h(doc, 'div', { class: 'room-tabs', role: 'tablist', 'aria-label': 'Rooms', 'data-testid': TESTID.rooms });
    this.online = h(doc, 'span', { class: 'online', 'data-testid': TESTID.online, 'aria-live': 'polite' });
    this.el = h(doc, 'div', { class: 'header' }, [this.tabs, this.online]);
    this.tabs.addEventListener('click', (event) => {
      const tab = targetElement(event)?.closest('[data-room]');
      const room = tab?.getAttribute('data-room');
      if (room) this.onSelect(room);
    });
    // Arrow keys move between tabs (the WAI-ARIA tabs pattern); Enter or Space selects.
    this.tabs.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight' && event.key !== 'Home' && event.key !== 'End') return;
      const all = Array.from(this.tabs.querySelectorAll<HTMLElement>('[role="tab"]'));
      const at = all.findIndex((t) => t === this.doc.activeElement);
      let next = at;
      if (event.key === 'ArrowLeft') next = at <= 0 ? all.length - 1 : at - 1;
      if (event.key === 'ArrowRight') next = at >= all.length - 1 ? 0 : at + 1;
      if (event.key === 'Home') next = 0;
      if (event.key === 'End') next = all.length - 1;
      all[next]?.focus();
      event.preventDefault();
    });
  }

  /** Shows or hides the online count with the connection (the e2e connect part saw "1 online" after Disconnect). */
  setLive(live: boolean, current: boolean): void {
    this.live = live;
    this.online.hidden = !current || !live;
  }

  render(rooms: readonly ViewRoomSummary[], active: string | null): void {
    const doc = this.doc;
    this.el.hidden = rooms.length === 0;
    this.tabs.replaceChildren(
      ...rooms.map((r) => {
        const selected = r.room === active;
        return h(
          doc,
          'button',
          {
            type: 'button',
            class: `room-tab${selected ? ' selected' : ''}`,
            role: 'tab',
            'aria-selected': String(selected),
            tabindex: selected ? 0 : -1,
            'data-room': r.room,
            'data-testid': TESTID.roomTab,
            title: r.unread > 0 ? `${r.room}: ${r.unread} unread` : r.room,
          },
          [
            icon(doc, 'comment-discussion'),
            h(doc, 'span', { class: 'room-name' }, [r.room]),
            r.unread > 0
              ? h(doc, 'vscode-badge', { variant: 'counter', 'data-testid': TESTID.roomUnread, 'aria-label': `${r.unread} unread` }, [String(r.unread)])
              : null,
          ],
        );
      }),
    );
    const current = rooms.find((r) => r.room === active);
    this.online.hidden = !current || !this.live;
    this.online.setAttribute('data-count', String(current?.online ?? 0));
    this.online.replaceChildren(icon(doc, 'person'), ` ${current?.online ?? 0} online`);
    this.online.title = 'People connected to this room now (including you)';
  }
}
