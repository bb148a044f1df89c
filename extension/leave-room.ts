// Leave Room: asks first (a room left by a slip of the mouse needs its passphrase
// typed again elsewhere), then leaves the active room and forgets it for this
// window. Plain module (no `vscode`): the question is injected, so the flow is
// tested against the real server on Node.

import type { ChatSession } from './session';
import type { WindowRooms } from './window-rooms';

export interface LeaveDeps {
  session: Pick<ChatSession, 'leave'> & { readonly state: { readonly active: string | null } } | undefined;
  rooms: Pick<WindowRooms, 'forget'>;
  /** True when the user confirmed leaving this room. */
  confirm(room: string): Promise<boolean>;
}

export type LeaveOutcome = 'left' | 'kept' | 'no room';

export async function leaveActiveRoom({ session, rooms, confirm }: LeaveDeps): Promise<LeaveOutcome> {
  const room = session?.state.active;
  if (!session || !room) return 'no room';
  if (!(await confirm(room))) return 'kept';
  // The user may have switched rooms while the question was open: leave the one they confirmed.
  await session.leave(room);
  await rooms.forget(room);
  return 'left';
}
