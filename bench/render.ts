// npm run bench:render — highlighting and Markdown rendering times: a 500-line
// TypeScript file (cold and warm), 64 KiB pathological messages, and a room of
// 1,000 messages of which 200 are code blocks (host highlight + webview render
// of the first 50). Aims (issue 12): under 50 ms and under 100 ms.
//
// The webview side runs on happy-dom, which builds DOM nodes far slower than a
// browser does: its numbers are an upper bound for the real webview.

import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Window } from 'happy-dom';
import type { HighlightedCode } from '../protocol/highlight';
import { loadFallbackTheme } from '../extension/highlight/fallback-themes';
import { CodeTokenizer } from '../extension/highlight/tokenizer';
import { highlightedCode } from '../webview/markdown/code';
import { parseMarkdown } from '../webview/markdown/parse';
import { CodeHighlights } from '../webview/code-highlights';
import { renderMarkdown } from '../webview/markdown/render';
import { prng } from '../test/support/prng';

// npm runs scripts from the package root.
const ROOT = resolve(process.cwd());
const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** CPU milliseconds (user + system) of this process since `from`: less sensitive to other work on a shared machine than wall time. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** Our own sources as realistic code: every .ts file of these folders, in a fixed order. */
function sourceLines(): string[] {
  const lines: string[] = [];
  for (const dir of ['client', 'extension', 'protocol', 'server']) {
    for (const name of readdirSync(join(ROOT, dir), { recursive: true }).map(String).sort()) {
      if (name.endsWith('.ts')) lines.push(...readFileSync(join(ROOT, dir, name), 'utf8').split('\n'));
    }
  }
  return lines;
}

async function main(): Promise<void> {
  console.log(`bench:render on ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}`);
  const lines = sourceLines();
  const file500 = lines.slice(0, 500).join('\n');
  const other500 = lines.slice(500, 1000).join('\n');

  // 1. A 500-line TypeScript file. Cold: the tokenizer, the WebAssembly, the theme and the grammar all load first.
  let start = performance.now();
  const tokenizer = await CodeTokenizer.create();
  await tokenizer.setTheme(await loadFallbackTheme('dark'));
  const setup = performance.now() - start;
  start = performance.now();
  const first = await tokenizer.highlight(file500, 'typescript');
  const coldFirst = performance.now() - start;
  const warm: number[] = [];
  const warmCpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpu = process.cpuUsage();
    start = performance.now();
    // A different last line each run: the tokenizer's cache must not answer.
    await tokenizer.highlight(`${i % 2 ? file500 : other500}\n// run ${i}`, 'typescript');
    warm.push(performance.now() - start);
    warmCpu.push(cpuSince(cpu));
  }
  const tokens = first.lines.reduce((n, l) => n + l.length, 0);
  console.log('\n500-line TypeScript file (aim: under 50 ms warm)');
  console.log(`  cold: engine + theme ${ms(setup)}, grammar + first highlight ${ms(coldFirst)}, total ${ms(setup + coldFirst)}`);
  console.log(`  warm: median ${ms(median(warm))} wall, ${ms(median(warmCpu))} CPU, of ${RUNS} (${tokens} tokens, ${JSON.stringify(first).length} bytes as JSON)`);

  // 2. 64 KiB pathological messages: parse alone, and parse + DOM (happy-dom).
  const window = new Window({ url: 'https://webview.test/' });
  const doc = window.document as unknown as Document;
  const hooks = { openLink: () => undefined, copyCode: () => undefined };
  const N = 64 * 1024;
  const pathological: Array<[string, string]> = [
    ['unmatched brackets', '['.repeat(N / 2) + ']'.repeat(N / 2)],
    ['link openers [a](', '[a]('.repeat(N / 4)],
    ['image openers ![[', '![['.repeat(N / 3)],
    ['backtick-bracket pairs', '`['.repeat(N / 2)],
    ['backtick runs of every length', Array.from({ length: 2000 }, (_, i) => '`'.repeat((i % 60) + 1) + '[x]').join('').slice(0, N)],
    ['emphasis delimiters *_', '*_'.repeat(N / 2)],
    ['nested brackets [a', '[a'.repeat(N / 2)],
    ['bare URLs and brackets', 'https://a.test/[ '.repeat(N / 17)],
    ['quotes 32 Ki deep', '> '.repeat(N / 2)],
  ];
  console.log('\n64 KiB pathological messages (median of 3: parse | parse + DOM in happy-dom)');
  for (const [name, source] of pathological) {
    const parse: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < 3; i++) {
      start = performance.now();
      parseMarkdown(source);
      parse.push(performance.now() - start);
      start = performance.now();
      const root = doc.createElement('div');
      root.append(renderMarkdown(doc, source, hooks));
      full.push(performance.now() - start);
    }
    const plain = parseMarkdown(source).plain ? ' (shown as plain text)' : '';
    console.log(`  ${name.padEnd(32)} ${ms(median(parse)).padStart(10)} | ${ms(median(full)).padStart(10)}${plain}`);
  }

  // 3. A room of 1,000 messages, 200 of them code blocks of 5-40 lines in several languages.
  const random = prng(12);
  const langs = ['ts', 'typescript', 'js', 'json', 'python', 'go', 'rust', 'sql', 'yaml', 'diff', 'sh', 'css'];
  const snippets: Array<{ lang: string; text: string } | null> = [];
  for (let i = 0; i < 1000; i++) {
    if (i % 5 === 2) {
      const at = Math.floor(random() * (lines.length - 50));
      const count = 5 + Math.floor(random() * 36);
      const lang = langs[Math.floor(random() * langs.length)] ?? 'ts';
      snippets.push({ lang, text: lines.slice(at, at + count).join('\n') });
    } else snippets.push(null);
  }
  // Each run's room differs in one line per block, so every run tokenizes (no cache hits).
  const room = (run: number): string[] =>
    snippets.map((s, i) =>
      s
        ? `Look at this:\n\`\`\`${s.lang}\n${s.text}\n# ${run}\n\`\`\``
        : `Message ${i}: **bold**, _it_, \`code\`, a link https://example.test/${i} and [another](https://example.test/a/${i}).\n- one\n- two`,
    );
  const blocksOf = (messages: string[]): Array<{ lang: string; text: string }> => {
    const blocks: Array<{ lang: string; text: string }> = [];
    for (const m of messages) {
      for (const t of parseMarkdown(m).tokens) if (t.type === 'fence') blocks.push({ lang: t.info.trim(), text: t.content.replace(/\n$/, '') });
    }
    return blocks;
  };
  // Load every grammar first: the room measures steady state, not first use of a language.
  for (const lang of new Set(langs)) await tokenizer.highlight('x', lang);
  let messages = room(0);
  let blocks = blocksOf(messages);

  const hostRuns: number[] = [];
  const viewRuns: number[] = [];
  const hostCpu: number[] = [];
  const viewCpu: number[] = [];
  let nodes = 0;
  let highlighted = new Map<string, HighlightedCode>();
  for (let run = 0; run < RUNS; run++) {
    messages = room(run);
    blocks = blocksOf(messages);
    let cpu = process.cpuUsage();
    start = performance.now();
    highlighted = new Map();
    for (const b of blocks) highlighted.set(`${b.lang}\n${b.text}`, await tokenizer.highlight(b.text, b.lang));
    hostRuns.push(performance.now() - start);
    hostCpu.push(cpuSince(cpu));

    // The webview shows the newest 50: parse + highlighted nodes + DOM.
    cpu = process.cpuUsage();
    start = performance.now();
    const list = doc.createElement('div');
    for (const m of messages.slice(-50)) {
      const item = doc.createElement('div');
      item.append(
        renderMarkdown(doc, m, {
          ...hooks,
          renderCode: (lang, text) => {
            const code = highlighted.get(`${lang}\n${text}`);
            return code ? highlightedCode(doc, code) : null;
          },
        }),
      );
      list.append(item);
    }
    viewRuns.push(performance.now() - start);
    viewCpu.push(cpuSince(cpu));
    nodes = list.querySelectorAll('*').length;
  }
  const shownBlocks = messages.slice(-50).filter((m) => m.includes('```')).length;
  console.log('\nRoom of 1,000 messages, 200 code blocks (aim: under 100 ms)');
  console.log(`  host: highlight all ${blocks.length} blocks, median ${ms(median(hostRuns))} wall, ${ms(median(hostCpu))} CPU (${ms(median(hostRuns) / blocks.length)} per block)`);
  console.log(`  webview: parse + build the newest 50 (${shownBlocks} code blocks, ${nodes} elements) in happy-dom, median ${ms(median(viewRuns))} wall, ${ms(median(viewCpu))} CPU`);
  console.log(`  host highlight of only the shown ${shownBlocks} blocks would be about ${ms((median(hostRuns) / blocks.length) * shownBlocks)}`);
  start = performance.now();
  for (const b of blocks) await tokenizer.highlight(b.text, b.lang);
  console.log(`  host: the same ${blocks.length} blocks again (view shown again: cache hits) ${ms(performance.now() - start)}`);

  // As wired (webview/code-highlights.ts): the view draws the newest 50 plain, asks the host
  // for the blocks it drew, and takes the spans as the answers come. Fresh text each run (no cache hits).
  const wired: number[] = [];
  let asked = 0;
  for (let run = 0; run < RUNS; run++) {
    messages = room(RUNS + run);
    start = performance.now();
    const requests: { id: number; lang: string; text: string }[] = [];
    const highlights = new CodeHighlights(doc, (m) => requests.push(m));
    const list = doc.createElement('div');
    doc.body.append(list);
    for (const m of messages.slice(-50)) {
      const item = doc.createElement('div');
      item.append(renderMarkdown(doc, m, { ...hooks, renderCode: (lang, text) => (lang === '' ? null : highlights.element(lang, text)) }));
      list.append(item);
    }
    for (const r of requests) highlights.apply(r.id, await tokenizer.highlight(r.text, r.lang));
    wired.push(performance.now() - start);
    asked = requests.length;
    list.remove();
  }
  console.log(`  as wired: view draws the newest 50, host highlights only the ${asked} blocks shown, spans applied: median ${ms(median(wired))} wall (aim: under 100 ms)`);

  tokenizer.dispose();
  await window.happyDOM.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
