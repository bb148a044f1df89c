// Part "list" (issue 16): one reader in code-server opens a room of 2,000 messages
// posted through the client; prints the time to the newest message after a window
// reload and the frame times (p99, worst) while scrolling back with the wheel;
// checks right-to-left messages, the messages' accessible names in an
// accessibility snapshot, and takes screenshots in Dark Modern and High Contrast
// with a 220 px sidebar.
import { join } from 'node:path';
import { ChatClient } from '../../client/chat-client';
import { generateIdentity } from '../../client/keys';
import { MemoryOutboxStore } from '../../client/storage';
import { startCodeServer } from './code-server';
import { E2eError } from './proc';
import { until, type PartOptions } from './part';
import { tid, Workbench } from './workbench';

export interface MessageListOptions extends PartOptions {
  /** Messages in the long room (default 2,000). */
  count?: number;
}

const ROOM = 'long';
const PASSPHRASE = 'correct horse battery staple';
const numbered = (i: number, n: number): string => `Long history ${i} of ${n}`;
const ARABIC = { name: 'سارة', text: 'مرحبا بالجميع، the build is green' };
const HEBREW = { name: 'דנה', text: 'שלום לכולם, see PR 12' };

/** Posts the room's history through the client core. */
async function postHistory(address: string, fingerprint: string, count: number): Promise<void> {
  // The e2e server serves TLS with a throwaway certificate: pinned by its fingerprint, as `chat trust` would.
  const client = (name: string): ChatClient => new ChatClient({ address, tls: { pin: fingerprint }, identity: generateIdentity(), name, outbox: new MemoryOutboxStore() });
  const send = async (c: ChatClient, texts: string[]): Promise<void> => {
    let acked = 0;
    const stop = c.onEvent((e) => {
      if (e.type === 'acked') acked++;
    });
    for (let i = 0; i < texts.length; i += 100) {
      const batch = texts.slice(i, i + 100);
      for (const t of batch) await c.sendText(ROOM, t);
      const want = i + batch.length;
      await until(`the server stores ${want} messages`, 60_000, async () => acked >= want);
    }
    stop();
  };
  const poster = client('Poster');
  await poster.connect();
  await poster.joinRoom(ROOM, PASSPHRASE, { create: true });
  await send(poster, Array.from({ length: count }, (_, i) => numbered(i + 1, count)));
  poster.close();
  for (const who of [ARABIC, HEBREW]) {
    const c = client(who.name);
    await c.connect();
    await c.joinRoom(ROOM, PASSPHRASE);
    await send(c, [who.text]);
    c.close();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN;
}

export async function messageListPart(o: MessageListOptions): Promise<void> {
  const { report, shots } = o;
  const count = o.count ?? 2000;
  const fingerprint = o.server.fingerprint;
  if (!fingerprint) throw new E2eError('no_tls', 'The chat server does not serve TLS (no certificate fingerprint on its listening line).');
  await report.part(`post ${count} messages and two right-to-left ones through the client`, 240_000, () => postHistory(o.server.address, fingerprint, count));

  const cs = await report.part('start code-server for the reader (Dark Modern)', 120_000, async () => {
    const s = await startCodeServer({ name: 'reader', tools: o.tools, stateDir: join(o.stateDir, 'reader'), vsix: o.vsix, settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    o.open.servers.push(s);
    return s;
  });
  const wb = await report.part('open the reader\'s workbench', 120_000, async () => {
    const w = await Workbench.open(o.browser, 'Reader', cs);
    o.open.workbenches.push(w);
    return w;
  });
  const newest = wb.messages(HEBREW.text);

  await report.part(`the reader joins the ${count}-message room`, 120_000, async () => {
    await wb.openChat();
    await wb.runCommand('Message App: Connect to Server...');
    const t = Date.now();
    await wb.answerPrompts({ server: o.server.address, room: ROOM, name: 'Reader', passphrase: PASSPHRASE, firstUse: { fingerprint, seen: async () => undefined } }, () => newest.count().then((n) => n > 0), 90_000);
    report.log(`  first join: the newest message shows ${Date.now() - t} ms after the prompts began (key derivation included)`);
    // The connect flow ends by putting the cursor in the composer (after saving the settings): wait for that,
    // or it lands in the middle of the next step and closes its command palette.
    await wb.chat.locator(`${tid('composer')} textarea:focus`).waitFor({ timeout: 60_000 });
  });

  await report.part('after a window reload the newest message shows quickly', 120_000, async () => {
    const t = Date.now();
    // Reloaded as a person does it, with the command (page.reload() has hung here waiting for the page's events).
    const navigated = wb.page.waitForEvent('framenavigated', { predicate: (f) => f === wb.page.mainFrame(), timeout: 60_000 });
    await wb.runCommand('Developer: Reload Window');
    await navigated;
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const loaded = Date.now() - t;
    await wb.openChat(60_000);
    const view = Date.now() - t;
    await wb.chat.locator(`${tid('banner')}[data-state="joined"]`).waitFor({ state: 'attached', timeout: 60_000 });
    const joined = Date.now() - t;
    await newest.first().waitFor({ timeout: 60_000 });
    const shown = Date.now() - t;
    report.log(`  reload: workbench ${loaded} ms, chat view document ${view} ms, joined ${joined} ms, newest message shown ${shown} ms after the reload began`);
  });

  await report.part('a 220 px sidebar in Dark Modern; right-to-left messages', 60_000, async () => {
    // Drag the sash at the sidebar's right edge to make it 220 px wide, as a person would.
    const width = await wb.setSidebarWidth(220);
    report.log(`  sidebar width ${width} px`);
    if (Math.abs(width - 220) > 10) throw new E2eError('sidebar_width', `The sidebar is ${width} px wide, not 220 px.`);
    const directions = await wb.chat.locator(tid('message')).evaluateAll((els) =>
      els.slice(-3).map((el) => ({
        text: getComputedStyle(el.querySelector('[data-testid="message-text"]')!).direction,
        name: el.querySelector('[data-testid="message-sender"]') ? getComputedStyle(el.querySelector('[data-testid="message-sender"]')!).direction : 'none',
      })),
    );
    report.log(`  directions of the last three messages (text/name): ${directions.map((d) => `${d.text}/${d.name}`).join(', ')}`);
    const [english, arabic, hebrew] = directions;
    if (english?.text !== 'ltr' || arabic?.text !== 'rtl' || arabic.name !== 'rtl' || hebrew?.text !== 'rtl' || hebrew.name !== 'rtl') {
      throw new E2eError('rtl', `Right-to-left messages are not laid out right to left: ${JSON.stringify(directions)}`);
    }
    await shots.take(wb.page, 'list-dark-220', 'A 2,000-message room in Dark Modern at a 220 px sidebar; Arabic and Hebrew messages laid out right to left');
  });

  await report.part('the accessibility snapshot names each message by sender, time and text', 30_000, async () => {
    const snapshot = await wb.chat.locator('[role="feed"]').ariaSnapshot();
    const lines = snapshot.split('\n').filter((l) => l.includes('article'));
    report.log(`  ${lines.length} articles in the snapshot; the last two:\n    ${lines.slice(-2).join('\n    ')}`);
    const named = (who: { name: string; text: string }): RegExp => new RegExp(`article "${who.name}, \\d\\d:\\d\\d: ${who.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`);
    for (const who of [ARABIC, HEBREW]) if (!named(who).test(snapshot)) throw new E2eError('a11y_name', `No article named "${who.name}, HH:MM: ${who.text}" in:\n${snapshot.slice(-1500)}`);
    if (!/article "Poster, \d\d:\d\d: Long history \d+ of \d+"/.test(snapshot)) throw new E2eError('a11y_name', 'Grouped messages do not name their sender.');
    if (/Identity key|[A-Z0-9]{4} [A-Z0-9]{4} [A-Z0-9]{4}/.test(snapshot)) throw new E2eError('a11y_fingerprint', 'The fingerprint is read out in the accessibility snapshot.');
  });

  await report.part('High Contrast at 220 px', 60_000, async () => {
    // Through the theme picker, as a person would.
    await wb.runCommand('Preferences: Color Theme');
    const input = wb.quickInput.locator('.quick-input-box input');
    await input.fill('Default High Contrast');
    await wb.quickInput.locator('.monaco-list-row', { hasText: /^\s*Default High Contrast\s*$/ }).first().waitFor({ timeout: 10_000 }).catch(() => undefined);
    await input.press('Enter');
    await until('the chat view switches to High Contrast', 30_000, async () => (await wb.chat.locator('body.vscode-high-contrast').count()) > 0);
    await wb.page.waitForTimeout(1000);
    await shots.take(wb.page, 'list-hc-220', 'The same room in High Contrast at a 220 px sidebar');
  });

  await report.part(`scrolling back through all ${count} messages with the wheel: frame times`, 240_000, async () => {
    const list = wb.chat.locator(tid('message-list'));
    // Frame deltas measured in the page itself, by requestAnimationFrame. A string, so the runner's
    // TypeScript transform adds no helpers (__name) the page does not have.
    await list.evaluate(`(() => {
      window.frames16 = [];
      window.frames16Stop = false;
      let last = performance.now();
      const tick = (now) => {
        window.frames16.push(now - last);
        last = now;
        if (!window.frames16Stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    await list.hover();
    const oldest = wb.messages(numbered(1, count));
    const t = Date.now();
    let wheels = 0;
    let maxElements = 0;
    while ((await oldest.count()) === 0) {
      if (Date.now() - t > 200_000) throw new E2eError('timeout', `The oldest message did not show after ${wheels} wheel turns.`);
      await wb.page.mouse.wheel(0, -600);
      wheels++;
      await wb.page.waitForTimeout(30);
      if (wheels % 20 === 0) maxElements = Math.max(maxElements, await list.evaluate((el) => el.querySelectorAll('*').length));
    }
    const frames = (await list.evaluate('(() => { window.frames16Stop = true; return window.frames16.slice(1); })()')) as number[];
    const sorted = [...frames].sort((a, b) => a - b);
    const over50 = frames.filter((f) => f > 50).length;
    report.log(
      `  ${wheels} wheel turns in ${Date.now() - t} ms to reach the oldest message; ${frames.length} frames: median ${percentile(sorted, 0.5).toFixed(1)} ms, ` +
        `p99 ${percentile(sorted, 0.99).toFixed(1)} ms, worst ${(sorted.at(-1) ?? NaN).toFixed(1)} ms, ${over50} over 50 ms; at most ${maxElements} elements in the list`,
    );
    await shots.take(wb.page, 'list-oldest', `Scrolled back to the oldest of ${count} messages`);
  });
}
