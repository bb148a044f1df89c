// Joining a room with its passphrase: the saved one first, else asked; a wrong
// one is said plainly, never saved (a saved one that stopped working is
// forgotten), and the user may try again; a room that does not exist yet may be
// created after the passphrase is typed twice. The questions are injected, so
// the flow is tested against a real server without VS Code.

import { NoRoomError, WrongPassphraseError } from '../client/errors';
import type { KeyStore } from './key-store';
import type { JoinOutcome } from './session';

export interface JoinPrompts {
  /** The passphrase (or its confirmation, `again`); undefined when cancelled. */
  passphrase(room: string, server: string, again: boolean): Promise<string | undefined>;
  /** Tells the user the passphrase was wrong (and not saved); true to try again. */
  wrongPassphrase(room: string): Promise<boolean>;
  /** The room does not exist: true to create it. */
  confirmCreate(room: string, server: string): Promise<boolean>;
  /** The confirmation did not match. */
  mismatch(): void;
}

export interface Joinable {
  readonly server: string;
  join(room: string, passphrase: string, opts?: { create?: boolean }): Promise<JoinOutcome>;
}

export type JoinFlowResult = 'joined' | 'created' | 'cancelled';

export async function joinWithPassphrase(session: Joinable, keys: KeyStore, room: string, prompts: JoinPrompts): Promise<JoinFlowResult> {
  const server = session.server;
  let passphrase = await keys.passphrase(server, room);
  for (;;) {
    if (!passphrase) {
      passphrase = await prompts.passphrase(room, server, false);
      if (!passphrase) return 'cancelled';
    }
    try {
      await session.join(room, passphrase);
      await keys.storePassphrase(server, room, passphrase);
      return 'joined';
    } catch (error) {
      if (error instanceof WrongPassphraseError) {
        await keys.forgetPassphrase(server, room);
        passphrase = undefined;
        if (!(await prompts.wrongPassphrase(room))) return 'cancelled';
        continue;
      }
      if (!(error instanceof NoRoomError)) throw error;
    }
    // The room does not exist yet.
    if (!(await prompts.confirmCreate(room, server))) return 'cancelled';
    const confirm = await prompts.passphrase(room, server, true);
    if (confirm === undefined) return 'cancelled';
    if (confirm !== passphrase) {
      prompts.mismatch();
      passphrase = undefined;
      continue;
    }
    await session.join(room, passphrase, { create: true });
    await keys.storePassphrase(server, room, passphrase);
    return 'created';
  }
}
