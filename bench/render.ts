// npm run bench:render — highlighting and Markdown rendering times: a 500-line
// TypeScript file (cold and warm), 64 KiB pathological messages, and a room of
// 1,000 messages of which 200 are code blocks (host highlight + webview render
// of the first 50). Aims (issue 12): under 50 ms and under 100 ms.
//
// The webview side runs on happy-dom, which builds DOM nodes far slower than a
// browser does: its numbers are an upper bound for the real webview. When a
// Chromium is installed (CHROME_BIN or `chromium` on PATH) the room's view work
// also runs in it headless (bench/render-chromium.ts), on a local file, no network.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { Window } from 'happy-dom';
import type { HighlightedCode } from '../protocol/highlight';
import { loadFallbackTheme } from '../extension/highlight/fallback-themes';
import { CodeTokenizer, plainCode } from '../extension/highlight/tokenizer';
import { highlightedCode } from '../webview/markdown/code';
import { parseMarkdown } from '../webview/markdown/parse';
import { CodeHighlights } from '../webview/code-highlights';
import { renderMarkdown } from '../webview/markdown/render';
import { prng } from '../test/support/prng';
import type { ChromiumRun, ChromiumTiming } from './render-chromium';

// npm runs scripts from the package root.
const ROOT = resolve(process.cwd());
const RUNS = 5;
// More warm runs: the first few after the cold one still compile regexes of grammar rules not met before.
const WARM_RUNS = 9;

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

/** Median with the spread: the machine is shared, so one number alone says little. */
function spread(values: number[]): string {
  return `median ${ms(median(values))} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)})`;
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

/** A Chromium to time the view in: CHROME_BIN, else the first of the usual names on PATH. */
function findChromium(): string | null {
  const candidates = process.env.CHROME_BIN ? [process.env.CHROME_BIN] : ['chromium', 'chromium-browser', 'google-chrome'];
  for (const name of candidates) {
    if (name.includes('/')) {
      if (existsSync(name)) return name;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Runs bench/render-chromium.ts on `runs` in headless Chromium (a file: page, no network) and returns its timings. */
async function inChromium(chrome: string, runs: ChromiumRun[]): Promise<ChromiumTiming[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-render-'));
  try {
    const built = await esbuild.build({ entryPoints: [join(ROOT, 'bench/render-chromium.ts')], bundle: true, format: 'iife', target: 'chrome120', write: false, logLevel: 'warning' });
    const script = built.outputFiles[0]?.text ?? '';
    const css = readFileSync(join(ROOT, 'webview/markdown/markdown.css'), 'utf8');
    // `<` escaped: the data cannot close the script element.
    const data = JSON.stringify(runs).replace(/</g, '\\u003c');
    const page = join(dir, 'index.html');
    writeFileSync(page, `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body><script>const ROOM = ${data};</script><script>${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>`);
    const result = spawnSync(chrome, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', pathToFileURL(page).href], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const found = /<pre id="result">([^<]*)<\/pre>/.exec(result.stdout ?? '');
    if (!found?.[1]) throw new Error(`chromium gave no result (status ${result.status}, ${result.error?.message ?? (result.stderr ?? '').slice(0, 300)})`);
    return JSON.parse(found[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as ChromiumTiming[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
  for (let i = 0; i < WARM_RUNS; i++) {
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
  console.log(`  warm: ${spread(warm)} wall, ${spread(warmCpu)} CPU, of ${WARM_RUNS} (${tokens} tokens, ${JSON.stringify(first).length} bytes as JSON)`);
  console.log(`  warm CPU run by run: ${warmCpu.map((v) => v.toFixed(0)).join(', ')} ms`);

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
  console.log(`  host: highlight all ${blocks.length} blocks, ${spread(hostRuns)} wall, ${spread(hostCpu)} CPU (${ms(median(hostRuns) / blocks.length)} per block)`);
  console.log(`  webview: parse + build the newest 50 (${shownBlocks} code blocks, ${nodes} elements) in happy-dom, ${spread(viewRuns)} wall, ${spread(viewCpu)} CPU`);
  console.log(`  host highlight of only the shown ${shownBlocks} blocks would be about ${ms((median(hostRuns) / blocks.length) * shownBlocks)}`);
  start = performance.now();
  for (const b of blocks) await tokenizer.highlight(b.text, b.lang);
  console.log(`  host: the same ${blocks.length} blocks again (view shown again: cache hits) ${ms(performance.now() - start)}`);

  // As wired (webview/code-highlights.ts): the view draws the newest 50 plain, asks the host
  // for the blocks it drew, and takes the spans as the answers come. Fresh text each run (no cache hits).
  const wired: number[] = [];
  const drawn: number[] = [];
  const answered: number[] = [];
  const applied: number[] = [];
  const answeredCpu: number[] = [];
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
    const afterDraw = performance.now();
    const answers: HighlightedCode[] = [];
    const hostCpuFrom = process.cpuUsage();
    for (const r of requests) answers.push(await tokenizer.highlight(r.text, r.lang));
    const afterHost = performance.now();
    answeredCpu.push(cpuSince(hostCpuFrom));
    requests.forEach((r, i) => highlights.apply(r.id, answers[i] ?? plainCode(r.text)));
    const end = performance.now();
    wired.push(end - start);
    drawn.push(afterDraw - start);
    answered.push(afterHost - afterDraw);
    applied.push(end - afterHost);
    asked = requests.length;
    list.remove();
  }
  console.log(`  as wired: view draws the newest 50, host highlights only the ${asked} blocks shown, spans applied: ${spread(wired)} wall (aim: under 100 ms)`);
  console.log(`    of which: draw 50 messages plain ${spread(drawn)}, host tokens ${spread(answered)} wall, ${spread(answeredCpu)} CPU, spans built and swapped in ${spread(applied)}`);

  // The same view work in a real browser, when one is installed: happy-dom's DOM is many
  // times slower than Chromium's, so this is the number to hold against the aim.
  const chrome = findChromium();
  if (chrome) {
    const runs: ChromiumRun[] = [];
    for (let run = 0; run < RUNS + 2; run++) {
      const shown = room(2 * RUNS + run).slice(-50);
      const answers: Record<string, HighlightedCode> = {};
      for (const b of blocksOf(shown)) answers[`${b.lang}\n${b.text}`] = await tokenizer.highlight(b.text, b.lang);
      runs.push({ messages: shown, answers });
    }
    // The first two runs warm the page's JIT up, as a view open for a while has.
    const timings = (await inChromium(chrome, runs)).slice(2);
    const view = timings.map((t) => t.draw + t.spans + t.layout);
    console.log(`  in headless Chromium (${chrome}): draw 50 plain, apply ${timings[0]?.blocks ?? 0} blocks' spans, lay out: ${spread(view)}`);
    console.log(`    of which: draw ${spread(timings.map((t) => t.draw))}, spans ${spread(timings.map((t) => t.spans))}, layout ${spread(timings.map((t) => t.layout))}`);
    console.log(`    with the host's tokens (medians above): about ${ms(median(view) + median(answered))} with host wall time, ${ms(median(view) + median(answeredCpu))} with host CPU time (aim: under 100 ms)`);
  } else {
    console.log('  (no chromium on PATH or CHROME_BIN: the real-browser numbers are skipped)');
  }

  tokenizer.dispose();
  await window.happyDOM.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
