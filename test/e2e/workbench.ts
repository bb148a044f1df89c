// Drives one user's VS Code workbench (code-server in Chromium): command palette, input boxes, notifications and the chat webview.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import type { CodeServer } from './code-server';
import { adoptGroup, E2eError } from './proc';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium through Playwright; its profile folders and crash database stay under `stateDir`. */
export async function launchChromium(executablePath: string, stateDir: string): Promise<Browser> {
  const home = join(stateDir, 'chromium-home');
  mkdirSync(home, { recursive: true });
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
    // The runner handles signals: it closes the browser along with everything else, then exits.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache') },
  });
  // Playwright starts Chromium as the leader of its own process group: remember it, so that a run
  // that is interrupted still ends the browser.
  const cdp = await browser.newBrowserCDPSession();
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo?: { type?: string; id?: number }[] };
  const pid = info.processInfo?.find((p) => p.type === 'browser')?.id;
  if (typeof pid === 'number' && pid > 0) adoptGroup(pid);
  await cdp.detach();
  return browser;
}

/** The chat view's test ids (webview/elements/selectors.ts documents them). */
export const tid = (id: string): string => `[data-testid="${id}"]`;

/** Numbered screenshots in one folder, so the files sort in the order the steps ran. */
export class Screenshots {
  private n = 0;
  readonly taken: { file: string; what: string }[] = [];
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  async take(page: Page, name: string, what: string): Promise<string> {
    const file = this.reserve(name, what);
    await page.screenshot({ path: file, timeout: 15_000 });
    return file;
  }
  /** A numbered file name for a screenshot taken (perhaps repeatedly) later. */
  reserve(name: string, what: string): string {
    this.n += 1;
    const file = join(this.dir, `${String(this.n).padStart(2, '0')}-${name}.png`);
    this.taken.push({ file, what });
    return file;
  }
}

export interface Prompt {
  title: string;
  password: boolean;
}

/** Answers for the connect flow's input boxes, picked by the box's title. */
export interface ConnectAnswers {
  /** host:port, or an invite (message-app://...), typed into the address box. */
  server: string;
  room: string;
  name: string;
  passphrase: string;
  /**
   * The first-use question about the server's certificate is expected (a modal dialog naming this
   * fingerprint): `seen` runs while it shows (a screenshot), then "Trust and Connect" is clicked.
   * Without it such a dialog is an error (an invite must not ask).
   */
  firstUse?: { fingerprint: string; seen(): Promise<void> };
}

export class Workbench {
  readonly page: Page;
  /** Browser console errors, for failure reports. */
  readonly consoleErrors: string[] = [];
  /** Dialogs (alert/confirm) the page opened: a script from a message must never run. */
  readonly dialogs: string[] = [];

  private constructor(
    readonly user: string,
    readonly context: BrowserContext,
    page: Page,
    readonly server: CodeServer,
  ) {
    this.page = page;
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(m.text().slice(0, 300));
    });
    page.on('dialog', (d) => {
      this.dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss().catch(() => undefined);
    });
  }

  /** A fresh browser profile (its own storage, so its own SecretStorage) on `server`. */
  static async open(browser: Browser, user: string, server: CodeServer): Promise<Workbench> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const wb = new Workbench(user, context, page, server);
    await wb.load();
    return wb;
  }

  async load(): Promise<void> {
    await this.page.goto(this.server.workbenchUrl(), { timeout: 60_000 });
    await this.waitWorkbench();
  }

  async reload(): Promise<void> {
    await this.page.reload({ timeout: 60_000 });
    await this.waitWorkbench();
  }

  private async waitWorkbench(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The activity bar is filled once the extensions' contributions are known.
    await this.page.locator('.activitybar').waitFor({ timeout: 60_000 });
  }

  /** The chat view's document inside the webview's two iframes. */
  get chat(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  /** Messages in the chat view, optionally only those whose text contains `text`. */
  messages(text?: string): Locator {
    const all = this.chat.locator(tid('message'));
    return text === undefined ? all : all.filter({ has: this.chat.locator(tid('message-text'), { hasText: text }) });
  }

  /**
   * The sender shown for a message: its own header, or, for a message grouped under the one before
   * (same sender, shortly after), the header of the group it belongs to.
   */
  async senderOf(message: Locator): Promise<string> {
    return message.evaluate((el) => {
      for (let m: Element | null = el; m; m = m.previousElementSibling) {
        if (m.getAttribute('data-testid') !== 'message') continue;
        const header = m.querySelector('[data-testid="message-sender"]');
        if (header) return header.textContent?.trim() ?? '';
      }
      return '';
    });
  }

  /** The Message App entry of the activity bar (its icon, and its badge when there is one). */
  get activityItem(): Locator {
    return this.page.locator('.activitybar li.action-item:has(> a.action-label[aria-label^="Message App"])');
  }

  /** The number on the Message App entry of the activity bar, or null without a badge. */
  async badge(): Promise<number | null> {
    const badge = this.activityItem.locator('.badge .badge-content');
    if ((await badge.count()) === 0 || !(await badge.first().isVisible())) return null;
    const text = (await badge.first().textContent())?.trim() ?? '';
    const n = Number.parseInt(text, 10);
    return Number.isFinite(n) ? n : null;
  }

  /** Opens the chat in the sidebar (no-op if it shows already) and waits for the view's document. */
  async openChat(timeoutMs = 30_000): Promise<void> {
    const app = this.chat.locator(tid('app'));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await app.count()) > 0) return;
      // Clicking the entry of the container that shows already would close the sidebar, so look first;
      // while the workbench is still restoring its layout the look can be stale, hence the retries.
      const checked = await this.activityItem.getAttribute('class', { timeout: 5_000 }).then(
        (c) => c?.split(/\s+/).includes('checked') ?? false,
        () => false,
      );
      if (!checked) await this.activityItem.click();
      if (await app.waitFor({ timeout: 5_000 }).then(() => true, () => false)) return;
    }
    throw new E2eError('no_chat_view', `${this.user}: the chat view did not show within ${timeoutMs / 1000} s.`);
  }

  /** Shows the Explorer instead, so the chat view is hidden. */
  async hideChat(): Promise<void> {
    await this.page.locator('.activitybar a.action-label[aria-label^="Explorer"]').click();
    await this.page.locator('iframe.webview.ready').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  }

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Runs a command from the command palette by its label, e.g. "Message App: Connect to Server...". */
  async runCommand(label: string): Promise<void> {
    // The palette can close under the click while the workbench is still busy (seen after joining a
    // 2,000-message room): the command did not run then, so open it again, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('Escape');
      await this.page.locator('.monaco-workbench').click({ position: { x: 640, y: 5 } }).catch(() => undefined);
      await this.page.keyboard.press('F1');
      await this.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
      const input = this.quickInput.locator('.quick-input-box input');
      await input.fill(`>${label}`);
      const row = this.quickInput.locator('.monaco-list-row', { hasText: label }).first();
      await row.waitFor({ timeout: 10_000 }).catch(() => {
        throw new E2eError('no_command', `${this.user}: the command palette has no command "${label}".`);
      });
      try {
        await row.click({ timeout: 5_000 });
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  }

  /** The open input box's title and kind, or null when none shows. */
  async currentPrompt(): Promise<Prompt | null> {
    if (!(await this.quickInput.isVisible())) return null;
    const title = ((await this.quickInput.locator('.quick-input-title').textContent().catch(() => '')) ?? '').trim();
    const type = await this.quickInput.locator('.quick-input-box input').getAttribute('type').catch(() => null);
    return { title, password: type === 'password' };
  }

  /**
   * Answers input boxes by their titles until `done()` says the flow finished, within `timeoutMs`.
   * Returns the boxes it answered, so a test can say which questions were asked.
   */
  async answerPrompts(answers: ConnectAnswers, done: () => Promise<boolean>, timeoutMs = 45_000): Promise<Prompt[]> {
    const asked: Prompt[] = [];
    const deadline = Date.now() + timeoutMs;
    let untitledSince: number | undefined;
    while (Date.now() < deadline) {
      const dialog = this.page.locator('.monaco-dialog-box');
      if (await dialog.isVisible()) {
        const trustButton = dialog.locator('.monaco-button', { hasText: 'Trust and Connect' });
        if ((await trustButton.count()) > 0) {
          const text = ((await dialog.textContent()) ?? '').trim();
          if (!answers.firstUse) throw new E2eError('unexpected_first_use', `${this.user}: asked to trust the server certificate, which should not happen here: "${text}".`);
          if (!text.includes(answers.firstUse.fingerprint)) {
            throw new E2eError('wrong_fingerprint', `${this.user}: the first-use dialog does not show ${answers.firstUse.fingerprint}: "${text}".`);
          }
          if (asked.some((p) => p.title === 'dialog: trust certificate')) throw new E2eError('asked_twice', `${this.user}: the first-use question came twice.`);
          await answers.firstUse.seen();
          asked.push({ title: 'dialog: trust certificate', password: false });
          await trustButton.first().click();
          continue;
        }
        // "Room ... does not exist yet. Create it?" when this user is the first in the room.
        const create = dialog.locator('.monaco-button', { hasText: /create/i });
        if ((await create.count()) === 0) {
          const text = ((await dialog.textContent()) ?? '').trim();
          throw new E2eError('unexpected_dialog', `${this.user}: a dialog asked something unexpected: "${text}".`);
        }
        asked.push({ title: 'dialog: create room', password: false });
        await create.first().click();
        continue;
      }
      const prompt = await this.currentPrompt();
      if (prompt === null) {
        if (await done()) return asked;
        await this.page.waitForTimeout(200);
        continue;
      }
      if (prompt.title === '') {
        // The command palette (no title) still closing, or the next box not filled in yet.
        if (Date.now() - (untitledSince ??= Date.now()) < 5_000) {
          await this.page.waitForTimeout(100);
          continue;
        }
        throw new E2eError('unexpected_prompt', `${this.user}: an input box without a title stays open.`);
      }
      untitledSince = undefined;
      const value = pickAnswer(prompt, answers);
      if (value === undefined) {
        throw new E2eError('unexpected_prompt', `${this.user}: an input box asked something unexpected: "${prompt.title}".`);
      }
      if (await this.answerPrompt(prompt, value)) asked.push(prompt);
    }
    throw new E2eError(
      'timeout',
      `${this.user}: the connect flow did not finish within ${timeoutMs / 1000} s (answered: ${asked.map((p) => `"${p.title}"`).join(', ') || 'nothing'}).`,
    );
  }

  /**
   * Types `value` into the open input box and presses Enter; false when the box closed before it
   * could be filled (a dialog took its place), so the caller looks again within its own deadline.
   * Throws when the box keeps the answer without moving on.
   */
  async answerPrompt(prompt: Prompt, value: string): Promise<boolean> {
    const input = this.quickInput.locator('.quick-input-box input');
    try {
      await input.fill(value, { timeout: 3_000 });
      await input.press('Enter', { timeout: 3_000 });
    } catch {
      return false;
    }
    if (!(await this.waitPromptChange(prompt, value, 15_000))) {
      const message = (await this.quickInput.locator('.quick-input-message').textContent().catch(() => '')) ?? '';
      throw new E2eError('prompt_stuck', `${this.user}: the input box "${prompt.title}" did not take the answer: ${message.trim()}`);
    }
    return true;
  }

  /** True once the box closed, was replaced by another question, or was emptied for a new try. */
  private async waitPromptChange(before: Prompt, typed: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const now = await this.currentPrompt();
      if (now === null || now.title !== before.title || now.password !== before.password) return true;
      const value = await this.quickInput.locator('.quick-input-box input').inputValue().catch(() => typed);
      if (value !== typed) return true;
      await this.page.waitForTimeout(100);
    }
    return false;
  }

  /** Texts of the notification toasts now showing. */
  /** Drags the sash at the sidebar's right edge to `width` px, as a person would; the width it got. */
  async setSidebarWidth(width: number): Promise<number> {
    const sidebar = this.page.locator('.part.sidebar');
    const box = await sidebar.boundingBox();
    if (!box) throw new E2eError('no_sidebar', `${this.user}: the sidebar is not showing.`);
    const edge = box.x + box.width;
    const sashes = await this.page.locator('.monaco-sash.vertical').evaluateAll((els) =>
      els.map((el) => el.getBoundingClientRect()).map((r) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2, h: r.height })),
    );
    const sash = sashes.filter((s) => s.h > 100).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
    if (!sash || Math.abs(sash.x - edge) > 8) throw new E2eError('no_sash', `${this.user}: no sash at the sidebar's edge (${edge} px): ${JSON.stringify(sashes)}`);
    await this.page.mouse.move(sash.x, sash.y);
    await this.page.mouse.down();
    await this.page.mouse.move(sash.x - (box.width - width) / 2, sash.y, { steps: 4 });
    await this.page.mouse.move(box.x + width, sash.y, { steps: 4 });
    await this.page.mouse.up();
    return Math.round((await sidebar.boundingBox())?.width ?? 0);
  }

  async notifications(): Promise<string[]> {
    const toasts = this.page.locator('.notification-toast .notification-list-item-message');
    return (await toasts.allTextContents()).map((t) => t.trim());
  }

  /** Sends a message by typing it in the composer and pressing Enter, like a user. */
  async typeAndSend(text: string): Promise<void> {
    const box = this.chat.locator(`${tid('composer')} textarea`);
    await box.click();
    await box.fill(text);
    await box.press('Enter');
    // Sent: the composer empties itself.
    await this.page.waitForTimeout(50);
    const deadline = Date.now() + 5_000;
    while ((await box.inputValue()) !== '') {
      if (Date.now() > deadline) throw new E2eError('not_sent', `${this.user}: the composer still holds "${await box.inputValue()}" after Enter.`);
      await this.page.waitForTimeout(100);
    }
  }

  async waitConnected(timeoutMs = 30_000): Promise<void> {
    await this.chat.locator(`${tid('banner')}[data-state="joined"]`).waitFor({ state: 'attached', timeout: timeoutMs }).catch(async () => {
      const state = await this.chat.locator(tid('banner')).getAttribute('data-state').catch(() => 'unknown');
      const text = await this.chat.locator(tid('banner')).textContent().catch(() => '');
      throw new E2eError('not_connected', `${this.user}: the chat did not connect within ${timeoutMs / 1000} s (banner ${state}: ${text?.trim()}).`);
    });
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}

function pickAnswer(prompt: Prompt, a: ConnectAnswers): string | undefined {
  const t = prompt.title;
  if (prompt.password || /passphrase/i.test(t)) return a.passphrase;
  if (/server/i.test(t)) return a.server;
  if (/room/i.test(t)) return a.room;
  if (/name/i.test(t)) return a.name;
  return undefined;
}
