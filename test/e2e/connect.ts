// Part "connect" (issue 16): connecting to an unreachable server (a closed 127.0.0.1 port) shows the
// failure notification; dismissing it leaves the UI usable, and Connect to Server... to the real server
// then works. The view's "..." menu follows the state: Connect only while disconnected; Disconnect,
// Leave Room and Copy Invite once in a room (the command palette likewise); Disconnect keeps the history on screen.
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import type { TestServer } from '../support/server';
import { startCodeServer, type CodeServer } from './code-server';
import { createRoom } from './files';
import { E2eError } from './proc';
import type { Report } from './report';
import type { Tools } from './setup';
import { Screenshots, tid, Workbench } from './workbench';

export interface ConnectOptions {
  browser: Browser;
  tools: Tools;
  stateDir: string;
  vsix: string;
  server: TestServer;
  shots: Screenshots;
  report: Report;
  open: { workbenches: Workbench[]; servers: CodeServer[] };
}

const ROOM = 'connect';
const PASSPHRASE = 'correct horse battery staple';
/** What the view's "..." menu offers only with a connection / in a room (package.json view/title). */
const CONNECTED_ONLY = ['Disconnect', 'Leave Room', 'Copy Invite'] as const;

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new E2eError('timeout', `${what} (waited ${timeoutMs / 1000} s)`);
}

/** A 127.0.0.1 port nothing listens on: taken from the system, then closed again. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** The sidebar's "..." button (the chat view's title menu, merged into the container's title bar). */
function moreActions(wb: Workbench): Locator {
  return wb.page.locator('.part.sidebar .title-actions .action-label[aria-label*="More Actions"]').first();
}

/** Opens the view's "..." menu, returns its entries' labels; the menu stays open (for a screenshot) until `closeMenu`. */
async function openViewMenu(wb: Workbench): Promise<string[]> {
  await wb.page.keyboard.press('Escape');
  // The title bar's actions show on hover only while the sidebar has no focus; hover first, as a person's mouse would.
  await wb.page.locator('.part.sidebar .composite.title').hover();
  await moreActions(wb).click();
  const items = wb.page.locator('.monaco-menu .action-item:not(.disabled) .action-label');
  await items.first().waitFor({ timeout: 10_000 });
  return (await items.allTextContents()).map((t) => t.trim()).filter((t) => t !== '');
}

/** Which of `labels` ("Message App: ...") the command palette lists now, each looked up by typing it, as a person would. */
async function paletteLists(wb: Workbench, labels: readonly string[]): Promise<string[]> {
  const listed: string[] = [];
  for (const label of labels) {
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('F1');
    await wb.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
    await wb.quickInput.locator('.quick-input-box input').fill(`>${label}`);
    // Let the list filter settle (it updates as one types).
    await wb.page.waitForTimeout(600);
    const rows = (await wb.quickInput.locator('.monaco-list-row').allTextContents()).map((t) => t.trim());
    if (rows.some((t) => t.startsWith(label))) listed.push(label);
  }
  await wb.page.keyboard.press('Escape');
  return listed;
}

const PALETTE = ['Message App: Connect to Server...', 'Message App: Disconnect', 'Message App: Leave Room', 'Message App: Copy Invite'] as const;

async function closeMenu(wb: Workbench): Promise<void> {
  await wb.page.keyboard.press('Escape');
  await wb.page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

export async function connectPart(o: ConnectOptions): Promise<void> {
  const { report, shots, server } = o;
  const fingerprint = server.fingerprint;
  if (!fingerprint) throw new E2eError('no_tls', 'The chat server does not serve TLS (no certificate fingerprint on its listening line).');

  const cs = await report.part('connect: start code-server for Carol (Dark Modern)', 120_000, async () => {
    const s = await startCodeServer({ name: 'carol', tools: o.tools, stateDir: join(o.stateDir, 'carol'), vsix: o.vsix, settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    o.open.servers.push(s);
    return s;
  });
  const wb = await report.part('connect: open Carol\'s workbench', 120_000, async () => {
    const w = await Workbench.open(o.browser, 'Carol', cs);
    o.open.workbenches.push(w);
    await w.openChat();
    return w;
  });

  await report.part('connect: disconnected, the view\'s "..." menu offers Connect but not Disconnect, Leave Room or Copy Invite', 60_000, async () => {
    const labels = await openViewMenu(wb);
    report.log(`  menu while disconnected: ${labels.join(', ')}`);
    await shots.take(wb.page, 'connect-menu-disconnected', `The chat view's "..." menu while disconnected: ${labels.join(', ')}`);
    await closeMenu(wb);
    if (!labels.includes('Connect to Server...')) throw new E2eError('menu', `The "..." menu lacks Connect to Server... while disconnected: ${labels.join(', ')}`);
    const wrong = CONNECTED_ONLY.filter((l) => labels.includes(l));
    if (wrong.length > 0) throw new E2eError('menu', `The "..." menu offers ${wrong.join(', ')} while disconnected.`);
     const palette = await paletteLists(wb, PALETTE);
    report.log(`  the command palette lists: ${palette.join(', ')}`);
    if (palette.join() !== PALETTE[0]) throw new E2eError('palette', `While disconnected the command palette lists ${palette.join(', ')} (only Connect to Server... expected).`);
  });

  const port = await closedPort();
  const unreachable = `127.0.0.1:${port}`;
  await report.part(`connect: an unreachable server (${unreachable}, closed) shows the failure notification; dismissing it leaves the UI usable`, 90_000, async () => {
    await wb.runCommand('Message App: Connect to Server...');
    const t = Date.now();
    const toast = wb.page.locator('.notification-toast', { hasText: 'Cannot reach' }).first();
    // Only the address is asked before the failure: the room, name and passphrase come after it answers.
    const asked = await wb.answerPrompts({ server: unreachable, room: ROOM, name: 'Carol', passphrase: PASSPHRASE }, () => toast.count().then((n) => n > 0), 45_000);
    report.log(`  the failure notification showed ${Date.now() - t} ms after the command (asked: ${asked.map((p) => `"${p.title}"`).join(', ')})`);
    if (asked.some((p) => !/server/i.test(p.title))) throw new E2eError('asked_too_much', `Before saying the server is unreachable Carol was asked: ${asked.map((p) => p.title).join(', ')}`);
    const text = ((await toast.locator('.notification-list-item-message').textContent()) ?? '').trim();
    if (!text.includes(unreachable)) throw new E2eError('unclear_error', `The notification does not name the address: "${text}"`);
    await shots.take(wb.page, 'connect-unreachable', `Connecting to a closed port: "${text}"`);
    // Dismissed with its close button, as a person would (not by choosing Try Again or Change Server...).
    await toast.hover();
    await toast.locator('.codicon-notifications-clear').first().click();
    await toast.waitFor({ state: 'detached', timeout: 10_000 });
    await wb.page.waitForTimeout(500);
    const prompt = await wb.currentPrompt();
    if (prompt) throw new E2eError('stuck', `After dismissing, an input box stays open: "${prompt.title}".`);
    const state = await wb.chat.locator(tid('banner')).getAttribute('data-state');
    if (state === 'joined' || state === 'connecting') throw new E2eError('stuck', `After dismissing, the banner says "${state}".`);
    await shots.take(wb.page, 'connect-dismissed', `The failure dismissed: the view is back to "${state}", nothing stays open`);
  });

  await report.part('connect: Connect to Server... again, to the real server, works', 120_000, async () => {
    await createRoom(server, ROOM, PASSPHRASE);
    await wb.openChat();
    await wb.runCommand('Message App: Connect to Server...');
    const t = Date.now();
    await wb.answerPrompts(
      { server: server.address, room: ROOM, name: 'Carol', passphrase: PASSPHRASE, firstUse: { fingerprint, seen: async () => undefined } },
      () => wb.chat.locator(`${tid('banner')}[data-state="joined"]`).count().then((n) => n > 0),
      90_000,
    );
    await wb.waitConnected();
    report.log(`  joined ${Date.now() - t} ms after the command (key derivation included)`);
    await wb.typeAndSend('Connected after an unreachable server.');
    await wb.messages('Connected after an unreachable server.').first().waitFor({ timeout: 15_000 });
    // Connected again means nothing in the view still says the server cannot be reached.
    const notice = wb.chat.locator(tid('notice'));
    if ((await notice.count()) > 0 && (await notice.first().isVisible())) {
      const text = ((await notice.first().textContent()) ?? '').trim();
      if (/cannot reach|unreachable/i.test(text)) throw new E2eError('stale_notice', `Connected, and the view still says "${text}".`);
    }
    await shots.take(wb.page, 'connect-joined', 'Connected to the real server after the failed attempt; a message sent');
  });

  await report.part('connect: in a room, the view\'s "..." menu offers Disconnect, Leave Room and Copy Invite', 60_000, async () => {
    const labels = await openViewMenu(wb);
    report.log(`  menu in a room: ${labels.join(', ')}`);
    await shots.take(wb.page, 'connect-menu-joined', `The chat view's "..." menu in a room: ${labels.join(', ')}`);
    const missing = ['Connect to Server...', ...CONNECTED_ONLY].filter((l) => !labels.includes(l));
    if (missing.length > 0) {
      await closeMenu(wb);
      throw new E2eError('menu', `The "..." menu lacks ${missing.join(', ')} in a room: ${labels.join(', ')}`);
    }
    await closeMenu(wb);
    const palette = await paletteLists(wb, PALETTE);
    report.log(`  the command palette lists: ${palette.join(', ')}`);
    if (palette.length !== PALETTE.length) throw new E2eError('palette', `In a room the command palette lists only ${palette.join(', ')}.`);
    await openViewMenu(wb);
    // Disconnect from the menu itself.
    await wb.page.locator('.monaco-menu .action-item .action-label', { hasText: /^Disconnect$/ }).first().click();
    await until('the banner leaves "joined" after Disconnect', 15_000, async () => (await wb.chat.locator(tid('banner')).getAttribute('data-state')) !== 'joined');
    // The history stays on screen, read-only.
    const kept = await wb.messages('Connected after an unreachable server.').count();
    if (kept !== 1) throw new E2eError('history_gone', `After Disconnect the view shows the sent message ${kept} time(s), expected once.`);
    // Nobody is known to be online without a connection (this run once showed "1 online" after Disconnect).
    if (await wb.chat.locator(tid('online')).isVisible()) throw new E2eError('stale_online', `After Disconnect the header still says "${((await wb.chat.locator(tid('online')).textContent()) ?? '').trim()}".`);
    const after = await openViewMenu(wb);
    report.log(`  menu after Disconnect: ${after.join(', ')}`);
    await shots.take(wb.page, 'connect-menu-after-disconnect', `After Disconnect: the history stays; the "..." menu: ${after.join(', ')}`);
    await closeMenu(wb);
    const wrong = CONNECTED_ONLY.filter((l) => after.includes(l));
    if (wrong.length > 0) throw new E2eError('menu', `After Disconnect the "..." menu still offers ${wrong.join(', ')}.`);
  });
}
