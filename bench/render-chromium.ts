// The page side of `npm run bench:render` in headless Chromium: the room's newest 50
// messages drawn as the view does (plain code first), the host's tokens applied, and
// a layout forced; timings go into <pre id="result"> for the bench to read. DOM only.

import { CodeHighlights } from '../webview/code-highlights';
import { renderMarkdown } from '../webview/markdown/render';
import type { HighlightedCode } from '../protocol/highlight';

export interface ChromiumRun {
  messages: string[];
  /** Tokens by `${lang}\n${text}`, computed by the bench on Node beforehand (the host's part is timed there). */
  answers: Record<string, HighlightedCode>;
}

export interface ChromiumTiming {
  draw: number;
  spans: number;
  layout: number;
  blocks: number;
}

declare const ROOM: ChromiumRun[];

const hooks = { openLink: (): void => undefined, copyCode: (): void => undefined };
const timings: ChromiumTiming[] = [];
for (const run of ROOM) {
  const t0 = performance.now();
  const requests: { id: number; lang: string; text: string }[] = [];
  const highlights = new CodeHighlights(document, (m) => requests.push(m));
  const list = document.createElement('div');
  document.body.append(list);
  for (const m of run.messages) {
    const item = document.createElement('div');
    item.append(renderMarkdown(document, m, { ...hooks, renderCode: (lang, text) => (lang === '' ? null : highlights.element(lang, text)) }));
    list.append(item);
  }
  const t1 = performance.now();
  for (const r of requests) {
    const code = run.answers[`${r.lang}\n${r.text}`];
    if (code) highlights.apply(r.id, code);
  }
  const t2 = performance.now();
  // Reading a size makes the browser lay the list out now, inside the measurement.
  void list.offsetHeight;
  const t3 = performance.now();
  timings.push({ draw: t1 - t0, spans: t2 - t1, layout: t3 - t2, blocks: requests.length });
  list.remove();
}
const pre = document.createElement('pre');
pre.id = 'result';
pre.textContent = JSON.stringify(timings);
document.body.append(pre);
