// When a long message is collapsed behind "Show more" (issue 16: a 60 KB message
// was one 32,000-pixel block). Decided from the text and the list's width in
// characters, before drawing, so the list never measures every message. Pure.

/** Messages longer than this many (estimated) lines are collapsed. */
export const COLLAPSE_LINES = 30;
/** A collapsed message shows about this many lines, so "Show more" hides a real amount. */
export const COLLAPSED_LINES = 20;

/**
 * Lines the text takes when wrapped at `charsPerLine` (each paragraph at least
 * one line). An estimate: proportional fonts wrap a little differently.
 */
export function estimateLines(text: string, charsPerLine: number): number {
  const width = Math.max(1, Math.floor(charsPerLine));
  let lines = 0;
  for (const paragraph of text.split('\n')) lines += Math.max(1, Math.ceil(Array.from(paragraph).length / width));
  return lines;
}

/** Whether the text is collapsed at this width (`COLLAPSE_LINES` by default). */
export function shouldCollapse(text: string, charsPerLine: number, maxLines = COLLAPSE_LINES): boolean {
  // Cheap bound first: a text with fewer characters than maxLines lines of width cannot exceed it unless it has many newlines.
  if (text.length <= maxLines && !text.includes('\n')) return false;
  return estimateLines(text, charsPerLine) > maxLines;
}

/** Characters per line for a list `widthPx` wide in a font whose average character is `charPx` wide. */
export function charsPerLine(widthPx: number, charPx: number): number {
  return Math.max(1, Math.floor(widthPx / Math.max(1, charPx)));
}
