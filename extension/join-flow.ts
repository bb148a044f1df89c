// Joining a room with its passphrase: the saved one first, else asked; a wrong
// one is said plainly, never saved (a saved one that stopped working is
// forgotten), and the user may try again; a room that does not exist yet may be
// created, with a generated passphrase offered (client/passphrase.ts) and a typed
// one accepted only when it is hard enough to guess and typed twice. Joining an
// existing room takes any passphrase (rooms made before keep working). The
// questions are injected, so the flow is tested against a real server without VS Code.

import { NoRoomError, WrongPassphraseError } from '../client/errors';
import { checkNewPassphrase, generatePassphrase } from '../client/passphrase';
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
  /**
   * A new room's passphrase: the generated one (shown, with a way to copy it), the one typed
   * (offered only when `weakness` is undefined; then it is confirmed by typing it again), or
   * another to type ('retype'); undefined when cancelled. `weakness` says why the typed one is refused.
   */
  newRoomPassphrase(room: string, generated: string, weakness: string | undefined): Promise<'generated' | 'typed' | 'retype' | undefined>;
}

export interface Joinable {
  readonly server: string;
  join(room: string, passphrase: string, opts?: { create?: boolean }): Promise<JoinOutcome>;
}

export type JoinFlowResult = 'joined' | 'created' | 'cancelled';

export async function joinWithPassphrase(session: Joinable, keys: KeyStore, room: string, prompts: JoinPrompts): Promise<JoinFlowResult> {
  const server = session.server;
  let passphrase = await keys.passphrase(server, room);
  /** The user already said to create the room (a retyped passphrase does not ask again). */
  let createConfirmed = false;
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
    if (!createConfirmed && !(await prompts.confirmCreate(room, server))) return 'cancelled';
    createConfirmed = true;
    // A room's passphrase is all that stands between its messages and a guesser with the server's proof.
    const verdict = checkNewPassphrase(passphrase, [room, server]);
    const generated = generatePassphrase();
    const choice = await prompts.newRoomPassphrase(room, generated, verdict.ok ? undefined : weaknessSentence(verdict.guesses));
    if (choice === undefined) return 'cancelled';
    if (choice === 'retype' || (choice === 'typed' && !verdict.ok)) {
      passphrase = undefined;
      continue;
    }
    if (choice === 'generated') {
      passphrase = generated;
    } else {
      const confirm = await prompts.passphrase(room, server, true);
      if (confirm === undefined) return 'cancelled';
      if (confirm !== passphrase) {
        prompts.mismatch();
        passphrase = undefined;
        continue;
      }
    }
    await session.join(room, passphrase, { create: true });
    await keys.storePassphrase(server, room, passphrase);
    return 'created';
  }
}

/** Why a typed passphrase may not create a room (client/passphrase.ts's threshold, said for the extension). */
export function weaknessSentence(guesses: number): string {
  // Short enough for the QuickPick's placeholder (about 80 characters show); its items say what to do instead.
  return `Too easy to guess for a new room: about 10^${Math.max(0, Math.floor(Math.log10(guesses)))} guesses, at least 10^14 needed.`;
}
