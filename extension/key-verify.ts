// "Verify Fingerprint..." and "Trust New Key..." as flows over a session, with the questions
// injected (VS Code dialogs in commands/trust.ts, scripted answers in tests against the real server).

import type { ChatSession } from './session';
import type { SenderStanding } from './senders';

/** A sender named by the view (its key mark's context) or by a notification; else the user picks. */
export interface SenderTarget {
  fingerprint: string;
  /** The name as the view shows it (escaped). */
  name?: string;
}

export interface ComparePrompt {
  room: string;
  name: string;
  theirs: string;
  yourName: string;
  yours: string;
  /** Already compared once: the question is asked again all the same. */
  already: boolean;
}

export interface NewKeyPrompt {
  room: string;
  name: string;
  /** The fingerprint pinned until now; undefined when the pin could not be read. */
  old: string | undefined;
  new: string;
}

export interface KeyPrompts {
  pickSender(room: string, senders: readonly SenderStanding[], purpose: 'verify' | 'trust'): Promise<SenderStanding | undefined>;
  /** Both fingerprints side by side, to read out and compare: "match", "differ" or undefined (dismissed). */
  compare(prompt: ComparePrompt): Promise<'match' | 'differ' | undefined>;
  /** The old and the new fingerprint; true only on a deliberate confirmation. */
  confirmNewKey(prompt: NewKeyPrompt): Promise<boolean>;
  tell(level: 'info' | 'warning', text: string): void;
}

export type VerifyOutcome = 'compared' | 'differ' | 'cancelled' | 'none';
export type TrustOutcome = 'trusted' | 'cancelled' | 'none';

/** What "They differ" means, said plainly. */
export function differSentence(name: string, room: string): string {
  return (
    `The fingerprints differ: the messages signed as "${name}" in "${room}" were NOT written with ${name}'s own key. ` +
    `Someone else (another member or whoever runs the server) may be posing as ${name}. Nothing was recorded; ` +
    `do not trust those messages, and tell ${name} by another channel.`
  );
}

async function pick(session: ChatSession, room: string, target: SenderTarget | undefined, prompts: KeyPrompts, purpose: 'verify' | 'trust', fits: (s: SenderStanding) => boolean): Promise<SenderStanding | undefined> {
  const all = session.roomSenders(room);
  if (target) return all.find((s) => s.fingerprint === target.fingerprint && (target.name === undefined || s.shown === target.name));
  const candidates = all.filter(fits);
  return candidates.length === 0 ? undefined : prompts.pickSender(room, candidates, purpose);
}

/**
 * Shows the sender's fingerprint and yours; "They match" records the comparison (the view's mark
 * becomes the stronger one), "They differ" says what that means and records nothing.
 */
export async function verifyFingerprint(session: ChatSession, room: string, prompts: KeyPrompts, target?: SenderTarget): Promise<VerifyOutcome> {
  const sender = await pick(session, room, target, prompts, 'verify', (s) => s.standing === 'compared' || s.standing === 'pinned');
  if (!sender) {
    if (target === undefined && session.roomSenders(room).length === 0) prompts.tell('info', `Message App: no one else has written in "${room}" yet, so there is no fingerprint to verify.`);
    else if (target === undefined) prompts.tell('info', `Message App: no sender in "${room}" can be verified now (a changed key needs "Trust New Key..." first).`);
    else prompts.tell('info', `Message App: that sender's messages are no longer shown in "${room}"; nothing to verify.`);
    return 'none';
  }
  switch (sender.standing) {
    case 'changed-key':
      prompts.tell('warning', `Message App: ${sender.shown} wrote from a different key than the one pinned in "${room}". Compare the new key with "Message App: Trust New Key..." first.`);
      return 'none';
    case 'other':
      prompts.tell('warning', `Message App: "${sender.shown}" is not the name pinned in "${room}" (it looks like another or has invisible characters), so it cannot be verified.`);
      return 'none';
    case 'compared':
    case 'pinned':
      break;
    default: {
      const unreachable: never = sender.standing;
      return unreachable;
    }
  }
  const answer = await prompts.compare({
    room,
    name: sender.shown,
    theirs: sender.fingerprint,
    yourName: session.name,
    yours: session.identity.fingerprint,
    already: sender.standing === 'compared',
  });
  if (answer === undefined) return 'cancelled';
  if (answer === 'differ') {
    prompts.tell('warning', differSentence(sender.shown, room));
    return 'differ';
  }
  if (!(await session.compareSender(room, sender.fingerprint, sender.shown))) {
    prompts.tell('warning', `Message App: ${sender.shown}'s key changed meanwhile; nothing was recorded.`);
    return 'none';
  }
  prompts.tell('info', `Message App: you verified ${sender.shown}'s fingerprint in "${room}". Their messages now show the verified shield; a changed key would show a warning instead.`);
  return 'compared';
}

/**
 * After a changed key: shows the old and the new fingerprint and, only on a deliberate
 * confirmation, re-pins the name to the new key. Refusing changes nothing.
 */
export async function trustNewKey(session: ChatSession, room: string, prompts: KeyPrompts, target?: SenderTarget): Promise<TrustOutcome> {
  const sender = await pick(session, room, target, prompts, 'trust', (s) => s.standing === 'changed-key');
  if (!sender || sender.standing !== 'changed-key') {
    prompts.tell('info', sender ? `Message App: ${sender.shown} shows no changed key in "${room}"; nothing to trust.` : `Message App: no sender in "${room}" shows a changed key.`);
    return 'none';
  }
  const old = session.pinnedFingerprint(room, sender.fingerprint, sender.shown);
  if (!(await prompts.confirmNewKey({ room, name: sender.shown, old, new: sender.fingerprint }))) return 'cancelled';
  if (!(await session.trustSenderKey(room, sender.fingerprint, sender.shown))) return 'none';
  prompts.tell('info', `Message App: "${sender.shown}" in "${room}" is now pinned to ${sender.fingerprint}. Compare it in person with "Verify Fingerprint..." for the stronger mark.`);
  return 'trusted';
}
