// The sender's signed time next to the server's: what a view shows when the two disagree.

/** More apart than this and both times are shown (issue 11: a replay or a skewed clock shows up). */
export const TIME_DISAGREEMENT_MS = 5 * 60 * 1000;

/** The time to show for a message (the signed one) and, when they differ by more than five minutes, the server's too. */
export function messageTimes(sentAt: number, serverTs: number): { signed: number; server?: number } {
  return Math.abs(sentAt - serverTs) > TIME_DISAGREEMENT_MS ? { signed: sentAt, server: serverTs } : { signed: sentAt };
}
