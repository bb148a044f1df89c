// Who is typing, per room, as the host tells the view (PROTOCOL.md section 13): a name is forgotten
// 6 s after its last signal, or as soon as a message from that sender arrives. Plain module, tested on Node.

import { TYPING_EXPIRES_MS } from '../../client/conversation/typing';
import type { ViewSender } from '../../protocol/webview';

export class TypingRoster {
  /** Room -> fingerprint -> who and until when (ms). */
  private readonly rooms = new Map<string, Map<string, { who: ViewSender; until: number }>>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** `changed(room, who)` is called whenever a room's list of typists changes (with the new list). */
  constructor(
    private readonly changed: (room: string, who: ViewSender[]) => void,
    private readonly now: () => number = Date.now,
    private readonly expiresMs = TYPING_EXPIRES_MS,
  ) {}

  /** A typing signal from `who` arrived. */
  typing(room: string, who: ViewSender): void {
    let typists = this.rooms.get(room);
    if (!typists) this.rooms.set(room, (typists = new Map()));
    const known = typists.has(who.fingerprint);
    typists.set(who.fingerprint, { who: { name: who.name, fingerprint: who.fingerprint }, until: this.now() + this.expiresMs });
    this.schedule(room);
    if (!known) this.changed(room, this.list(room));
  }

  /** A message from this sender arrived: they stopped typing it. */
  stopped(room: string, fingerprint: string): void {
    if (this.rooms.get(room)?.delete(fingerprint)) {
      this.changed(room, this.list(room));
      this.schedule(room);
    }
  }

  /** Who types in a room now (expired ones left out). */
  list(room: string): ViewSender[] {
    const now = this.now();
    return [...(this.rooms.get(room)?.values() ?? [])].filter((t) => t.until > now).map((t) => t.who);
  }

  forget(room: string): void {
    this.rooms.delete(room);
    const timer = this.timers.get(room);
    if (timer) clearTimeout(timer);
    this.timers.delete(room);
  }

  dispose(): void {
    for (const room of [...this.rooms.keys()]) this.forget(room);
  }

  /** One timer per room, at its earliest expiry. */
  private schedule(room: string): void {
    const old = this.timers.get(room);
    if (old) clearTimeout(old);
    this.timers.delete(room);
    const typists = this.rooms.get(room);
    if (!typists || typists.size === 0) return;
    const next = Math.min(...[...typists.values()].map((t) => t.until));
    const timer = setTimeout(() => this.expire(room), Math.max(0, next - this.now()));
    // Never keeps a process (the CLI, a test) alive by itself.
    timer.unref?.();
    this.timers.set(room, timer);
  }

  private expire(room: string): void {
    this.timers.delete(room);
    const typists = this.rooms.get(room);
    if (!typists) return;
    const now = this.now();
    let gone = false;
    for (const [fp, t] of typists) {
      if (t.until <= now) {
        typists.delete(fp);
        gone = true;
      }
    }
    if (gone) this.changed(room, this.list(room));
    this.schedule(room);
  }
}
