// Part 2: two people chat through the real server, each in their own VS Code (code-server) and browser profile, as a user would.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import type { TestServer } from '../support/server';
import { formatInvite } from '../../client/invite';
import { startCodeServer, type CodeServer } from './code-server';
import { testPng } from './png';
import { E2eError, run } from './proc';
import { until } from './part';
import type { Report } from './report';
import type { Tools } from './setup';
import { Screenshots, tid, Workbench, type ConnectAnswers } from './workbench';

export interface TwoUsersOptions {
  browser: Browser;
  tools: Tools;
  stateDir: string;
  repoRoot: string;
  vsix: string;
  server: TestServer;
  shots: Screenshots;
  report: Report;
  /** How many older messages postOlder posts (0 skips the history checks while developing). */
  older: number;
  /** postOlder running in the background; awaited before anyone connects. Resolves with its duration. */
  olderPosted?: Promise<number>;
  /** Workbenches and code-servers started so far, for screenshots and clean-up on failure. */
  open: { workbenches: Workbench[]; servers: CodeServer[] };
}

const ROOM = 'team';
const PASSPHRASE = 'correct horse battery staple';
/** The picture Alice sends: below the default maximum side (1280), so it arrives at this size. */
const IMAGE = { w: 640, h: 480 } as const;
const olderText = (i: number): string => `Older message ${String(i).padStart(3, '0')} from the CLI`;

/** Polls `check` until it returns true, or fails with `what` after `timeoutMs`. */
/**
 * Posts the older messages with the project's CLI (`npm run chat -- send`), before anyone opens VS Code.
 * The first one creates the room (default KDF); then two senders, each with its own identity, post the
 * rest side by side. Runs while part 1 runs; `twoUsers` needs it done.
 */
export async function postOlder(opts: { repoRoot: string; stateDir: string; server: string; fingerprint: string; count: number }): Promise<void> {
  const env = {
    ...process.env,
    MESSAGE_APP_PASSPHRASE: PASSPHRASE,
    // The CLI keeps an identity and an outbox under the user's config folder unless told otherwise.
    XDG_CONFIG_HOME: join(opts.stateDir, 'cli-config'),
    PATH: `${join(opts.repoRoot, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
  };
  const args = (sender: string, i: number): string[] => [
    'send', '--server', opts.server, '--room', ROOM, '--name', `${sender} (CLI)`, '--text', olderText(i),
    '--identity', join(opts.stateDir, `cli-${sender.toLowerCase()}`, 'identity.json'),
    // The e2e server serves TLS with its self-signed certificate; the CLI pins it without a terminal.
    '--trust', opts.fingerprint,
  ];
  // The first through npm itself; the rest run the same `chat` script command directly, which saves
  // npm's own start-up (over half a second a message on a busy 2-core machine).
  await run('npm', ['run', '--silent', 'chat', '--', ...args('Carol', 1)], { cwd: opts.repoRoot, env, timeoutMs: 60_000 });
  const [command, ...scriptArgs] = chatScript(opts.repoRoot);
  if (command === undefined) throw new E2eError('no_chat_script', 'package.json\'s "chat" script is empty.');
  let next = 2;
  const worker = async (sender: string): Promise<void> => {
    while (next <= opts.count) {
      const i = next++;
      await run(command, [...scriptArgs, ...args(sender, i)], { cwd: opts.repoRoot, env, timeoutMs: 60_000 });
    }
  };
  await Promise.all([worker('Carol'), worker('Dave')]);
}

/** package.json's `chat` script as a command and its arguments (a plain command line, no shell syntax). */
function chatScript(repoRoot: string): string[] {
  const pkg: unknown = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const scripts = typeof pkg === 'object' && pkg !== null ? (pkg as { scripts?: unknown }).scripts : undefined;
  const chat = typeof scripts === 'object' && scripts !== null ? (scripts as { chat?: unknown }).chat : undefined;
  if (typeof chat !== 'string' || /[|&;<>$`"'\\]/.test(chat)) {
    throw new E2eError('no_chat_script', 'package.json has no plain "chat" script to run the CLI with.');
  }
  return chat.trim().split(/\s+/);
}

export async function twoUsers(o: TwoUsersOptions): Promise<void> {
  const { report, shots, server } = o;
  const OLDER = o.older;
  const answers = (name: string, passphrase = PASSPHRASE): ConnectAnswers => ({ server: server.address, room: ROOM, name, passphrase });
  const fingerprint = server.fingerprint;
  if (!fingerprint) throw new E2eError('no_tls', 'The chat server does not serve TLS (no certificate fingerprint on its listening line).');
  // What Alice's "Copy Invite" puts on the clipboard (the browser's clipboard is out of reach): server, room, fingerprint.
  const invite = formatInvite({ server: server.address, room: ROOM, fingerprint });

  const [csA, csB] = await report.part('start code-server for Alice and Bob (vsix installed)', 120_000, () =>
    Promise.all(
      ['alice', 'bob'].map(async (name) => {
        const cs = await startCodeServer({ name, tools: o.tools, stateDir: join(o.stateDir, name), vsix: o.vsix });
        o.open.servers.push(cs);
        return cs;
      }),
    ),
  );
  if (!csA || !csB) throw new E2eError('internal', 'code-servers missing');

  const [a, b] = await report.part('open both workbenches in Chromium', 120_000, () =>
    Promise.all([
      Workbench.open(o.browser, 'Alice', csA).then((wb) => (o.open.workbenches.push(wb), wb)),
      Workbench.open(o.browser, 'Bob', csB).then((wb) => (o.open.workbenches.push(wb), wb)),
    ]),
  );
  if (!a || !b) throw new E2eError('internal', 'workbenches missing');

  const connect = async (wb: Workbench, name: string, how: ConnectAnswers): Promise<void> => {
    await wb.openChat();
    await wb.runCommand('Message App: Connect to Server...');
    const asked = await wb.answerPrompts(how, () => wb.chat.locator(`${tid('banner')}[data-state="joined"]`).count().then((n) => n > 0));
    const titles = asked.map((p) => p.title);
    if (!asked.some((p) => p.password)) throw new E2eError('no_passphrase_prompt', `${name} was never asked for the passphrase (asked: ${titles.join(', ')}).`);
    report.log(`  ${name} was asked: ${titles.map((t) => `"${t}"`).join(', ')}`);
    if (how.firstUse && !titles.includes('dialog: trust certificate')) throw new E2eError('no_first_use', `${name} was never asked to trust the server certificate.`);
    if (how.server.startsWith('message-app://') && titles.some((t) => /room/i.test(t) && !/passphrase/i.test(t))) {
      throw new E2eError('invite_ignored', `${name} pasted an invite and was still asked for the room (asked: ${titles.join(', ')}).`);
    }
    await wb.waitConnected();
    // Nothing may tell a user who just connected that something takes effect only after connecting again.
    await wb.page.waitForTimeout(1000);
    const confusing = (await wb.notifications()).find((t) => /after you connect again/i.test(t));
    if (confusing) throw new E2eError('confusing_notification', `${name} connected and was told: "${confusing}".`);
  };

  if (o.olderPosted) {
    const posting = o.olderPosted;
    await report.part(`wait for the ${OLDER} older messages posted with the CLI`, 300_000, async () => {
      const ms = await posting;
      report.record(`  post ${OLDER} older messages with npm run chat -- send (in the background since the server started)`, ms);
    });
  }

  await report.part('Alice connects over TLS from the command palette and trusts the certificate on first use', 90_000, async () => {
    await connect(a, 'Alice', {
      ...answers('Alice'),
      firstUse: {
        fingerprint,
        seen: async () => void (await shots.take(a.page, 'alice-first-use', `Alice's first contact with the server: its certificate fingerprint ${fingerprint} to compare, "Trust and Connect"`)),
      },
    });
    // The newest page of history shows at once: the last CLI message is there.
    if (OLDER > 0) await a.messages(olderText(OLDER)).first().waitFor({ timeout: 20_000 });
    await shots.take(a.page, 'alice-connected', 'Alice connected from the command palette; the newest CLI messages show');
  });

  await report.part('Bob connects by pasting an invite (no certificate question, no room question)', 90_000, async () => {
    await connect(b, 'Bob', { ...answers('Bob'), server: invite });
    if (OLDER > 0) await b.messages(olderText(OLDER)).first().waitFor({ timeout: 20_000 });
    await shots.take(b.page, 'bob-connected', 'Bob connected; same room, same history');
  });

  const hello = 'Hello Bob, this is Alice.';
  await report.part('Alice sends a text; Bob sees it with her name', 45_000, async () => {
    await a.typeAndSend(hello);
    const mine = a.messages(hello);
    await mine.first().waitFor({ timeout: 15_000 });
    await until('Alice\'s message is acknowledged (no longer pending)', 15_000, async () => (await mine.first().getAttribute('data-pending')) === 'false');
    const theirs = b.messages(hello);
    await theirs.first().waitFor({ timeout: 15_000 });
    const sender = await b.senderOf(theirs.first());
    if (sender !== 'Alice') throw new E2eError('wrong_sender', `Bob sees the message from "${sender}", expected "Alice".`);
    if ((await theirs.first().getAttribute('data-own')) !== 'false') throw new E2eError('wrong_own', 'Bob sees Alice\'s message marked as his own.');
    await shots.take(b.page, 'bob-sees-alice', 'Bob sees Alice\'s text with her name');
  });

  const reply = 'Hi Alice! Bob here, reading you loud and clear.';
  await report.part('Bob answers; Alice sees it', 45_000, async () => {
    await b.typeAndSend(reply);
    const got = a.messages(reply);
    await got.first().waitFor({ timeout: 15_000 });
    const sender = await a.senderOf(got.first());
    if (sender !== 'Bob') throw new E2eError('wrong_sender', `Alice sees the reply from "${sender}", expected "Bob".`);
    await shots.take(a.page, 'alice-sees-bob', 'Alice sees Bob\'s answer');
  });

  await report.part('Alice sends an image with Send Image...; Bob sees it inline', 90_000, async () => {
    const file = join(csA.workspace, 'e2e-picture.png');
    const png = testPng(IMAGE.w, IMAGE.h);
    writeFileSync(file, png);
    report.log(`  the picture: ${IMAGE.w}x${IMAGE.h} PNG, ${Math.round(png.length / 1024)} KiB`);
    const imagesBefore = await b.chat.locator(tid('message-image')).count();
    await a.runCommand('Message App: Send Image...');
    await pickFile(a, file);
    const img = b.chat.locator(tid('message-image'));
    await until('Bob sees a new image message', 30_000, async () => (await img.count()) > imagesBefore);
    const last = img.nth(imagesBefore);
    await until(`Bob's image has loaded (${IMAGE.w}x${IMAGE.h} pixels)`, 15_000, () => imageLoaded(last));
    await last.scrollIntoViewIfNeeded();
    await shots.take(b.page, 'bob-sees-image', `Bob sees Alice's image inline (${IMAGE.w}x${IMAGE.h} PNG sent with Send Image...)`);
  });

  const hostile = '<img src=x onerror="alert(\'xss\')"><script>alert("xss")</script> **not bold** <b>not bold either</b>';
  // Markdown renders (issue 12): the **...** becomes bold; the HTML stays literal text.
  const shown = hostile.replace('**not bold**', 'not bold');
  await report.part('a message with HTML and script shows as literal text; its Markdown renders', 45_000, async () => {
    await a.typeAndSend(hostile);
    const msg = b.messages('<script>').first();
    await msg.waitFor({ timeout: 15_000 });
    const text = (await msg.locator(tid('message-text')).textContent()) ?? '';
    if (text.trim() !== shown) throw new E2eError('not_literal', `Bob sees ${JSON.stringify(text)} instead of ${JSON.stringify(shown)}.`);
    const strong = await msg.locator(`${tid('message-text')} strong`).count();
    if (strong !== 1) throw new E2eError('markdown', `Expected **not bold** as one <strong>, found ${strong}.`);
    const injected = await msg.locator(`${tid('message-text')} img, ${tid('message-text')} script, ${tid('message-text')} b`).count();
    if (injected > 0) throw new E2eError('html_rendered', `The message's HTML became ${injected} element(s) in Bob's view.`);
    await b.page.waitForTimeout(500);
    const dialogs = [...a.dialogs, ...b.dialogs];
    if (dialogs.length > 0) throw new E2eError('script_ran', `A script from the message ran: ${dialogs.join('; ')}`);
    await shots.take(b.page, 'literal-html', 'A message with <img onerror> and <script> shows as literal text; its **Markdown** is bold');
  });

  if (OLDER > 0) await report.part(`Bob scrolls up and the ${OLDER} older messages load`, 120_000, async () => {
    const list = b.chat.locator(tid('message-list'));
    // On open the view shows only the newest page; scrolling up is what brings the rest.
    const initially = (await b.chat.locator(`${tid('message')} ${tid('message-text')}`).allTextContents()).filter((t) => t.startsWith('Older message'));
    if (initially.length >= OLDER || initially.some((t) => t.trim() === olderText(1))) {
      throw new E2eError('history', `Bob's view showed ${initially.length} older messages before scrolling (the newest page only was expected).`);
    }
    report.log(`  before scrolling Bob's view has ${initially.length} of the ${OLDER} CLI messages`);
    const olderShown = async (): Promise<number> =>
      (await b.chat.locator(`${tid('message')} ${tid('message-text')}`).allTextContents()).filter((t) => t.startsWith('Older message')).length;
    // Scroll up with the mouse wheel, like a user.
    const wheelUp = async (): Promise<void> => {
      await list.hover();
      await b.page.mouse.wheel(0, -20_000);
    };
    const anchorText = initially[0]?.trim() ?? '';
    await wheelUp();
    await until('an older page loads when Bob scrolls to the top', 30_000, async () => (await olderShown()) > initially.length);
    // The position stays put: the message that was at the top is still in view, not pushed down by the new page.
    const anchorInView = await b.messages(anchorText).first().evaluate((el) => {
      const box = el.closest('[data-testid="message-list"]')?.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return box !== undefined && r.bottom > box.top && r.top < box.bottom;
    });
    if (!anchorInView) throw new E2eError('scroll_jump', `After the older page loaded, "${anchorText}" (the top message before) is out of view: the position jumped.`);
    await until(`Bob's view has all ${OLDER} CLI messages after scrolling to the top`, 90_000, async () => {
      await wheelUp();
      return (await olderShown()) >= OLDER;
    });
    const texts = (await b.chat.locator(`${tid('message')} ${tid('message-text')}`).allTextContents()).map((t) => t.trim());
    const older = texts.filter((t) => t.startsWith('Older message'));
    const distinct = new Set(older);
    if (older.length !== OLDER || distinct.size !== OLDER) {
      throw new E2eError('history', `Bob's view has ${older.length} CLI messages (${distinct.size} distinct), expected each of the ${OLDER} once.`);
    }
    for (let i = 1; i <= OLDER; i++) {
      if (!distinct.has(olderText(i))) throw new E2eError('history', `"${olderText(i)}" is missing from Bob's history.`);
    }
    await b.chat.locator(tid('message')).first().scrollIntoViewIfNeeded();
    await shots.take(b.page, 'history-top', `Bob scrolled to the top: all ${OLDER} older messages loaded, each once`);
  });

  await report.part('the badge counts unread messages while the chat is hidden; the notification opens it', 60_000, async () => {
    await b.hideChat();
    const before = await b.badge();
    if (before !== null) throw new E2eError('badge', `Bob's badge shows ${before} before anything new arrived.`);
    // The extension host learns that the view was hidden a moment later than the page shows it.
    await b.page.waitForTimeout(1000);
    for (let i = 1; i <= 3; i++) {
      const text = `Unread ${i} of 3 while Bob looks elsewhere`;
      await a.typeAndSend(text);
      // Like a person: the next message after this one shows in Alice's own view.
      await a.messages(text).first().waitFor({ timeout: 15_000 });
    }
    await until('Bob\'s activity bar badge shows 3', 20_000, async () => (await b.badge()) === 3).catch(async (err: unknown) => {
      const badge = await b.badge();
      await b.openChat();
      const got = await b.chat.locator(`${tid('message')} ${tid('message-text')}`, { hasText: /^Unread \d of 3/ }).count();
      throw new E2eError('badge', `${err instanceof Error ? err.message : String(err)}: it shows ${badge ?? 'nothing'}, and Bob's view has ${got} of the 3 messages.`);
    });
    // A notification says who wrote where (setting "all", the default); its "Open Chat" shows the chat.
    const toast = b.page.locator('.notification-toast', { hasText: 'Alice in team: Unread' }).first();
    await toast.waitFor({ timeout: 15_000 }).catch(async () => {
      throw new E2eError('no_notification', `Bob got no notification for Alice's messages while the chat was hidden (showing: ${JSON.stringify(await b.notifications())}).`);
    });
    await shots.take(b.page, 'badge-unread', 'Bob\'s chat is hidden: the Message App badge counts 3 unread messages and a notification says who wrote');
    await toast.locator('.monaco-button', { hasText: 'Open Chat' }).click();
    await b.chat.locator(tid('app')).waitFor({ timeout: 15_000 });
    await b.messages('Unread 3 of 3').first().waitFor({ timeout: 15_000 });
    await until('the badge goes once Bob looks at the chat', 15_000, async () => (await b.badge()) === null);
  });

  await report.part('Bob reloads: connected again without the passphrase, history there', 120_000, async () => {
    await b.openChat();
    await b.reload();
    report.log('  reloaded');
    // The chat was the open view, so it comes back by itself after the reload; no input box may appear.
    await b.chat.locator(tid('app')).waitFor({ timeout: 45_000 }).catch(() => {
      throw new E2eError('no_chat_view', 'The chat view did not come back after Bob reloaded the page.');
    });
    const asked: string[] = [];
    let lastState = '';
    await until('Bob\'s chat is connected again after the reload', 60_000, async () => {
      const prompt = await b.currentPrompt();
      if (prompt && prompt.title !== '') asked.push(prompt.title);
      if (asked.length > 0) return true;
      const state = (await b.chat.locator(tid('banner')).getAttribute('data-state', { timeout: 2_000 })) ?? '';
      if (state !== lastState) report.log(`  Bob's banner: ${state}`);
      lastState = state;
      return state === 'joined';
    });
    report.log('  connected');
    if (asked.length > 0) throw new E2eError('asked_again', `After the reload Bob was asked "${asked[0]}"; the passphrase should come from SecretStorage.`);
    await b.messages(hello).first().waitFor({ timeout: 20_000 });
    await b.messages(reply).first().waitFor({ timeout: 20_000 });
    const image = b.chat.locator(tid('message-image')).first();
    await until('Alice\'s picture is in Bob\'s history after the reload', 20_000, () => imageLoaded(image));
    await shots.take(b.page, 'bob-reloaded', 'Bob reloaded the page: connected again without any question, history present');
  });

  await report.part('a third profile with the wrong passphrase gets a clear error and sees nothing', 150_000, async () => {
    const csC = await startCodeServer({ name: 'mallory', tools: o.tools, stateDir: join(o.stateDir, 'mallory'), vsix: o.vsix });
    o.open.servers.push(csC);
    const c = await Workbench.open(o.browser, 'Mallory', csC);
    o.open.workbenches.push(c);
    await c.openChat();
    await c.runCommand('Message App: Connect to Server...');
    let error = '';
    // Over the invite: the certificate is pinned without a question, so only the passphrase is in doubt.
    const wrong = { ...answers('Mallory', 'not the passphrase'), server: invite };
    // Answer until the extension says the passphrase is wrong (a notification, or the question again with a message).
    const asked: string[] = [];
    await until('Mallory is told the passphrase is wrong', 60_000, async () => {
      const toasts = await c.notifications();
      const hit = toasts.find((t) => /passphrase/i.test(t));
      if (hit) {
        error = hit;
        return true;
      }
      const prompt = await c.currentPrompt();
      if (prompt) {
        const message = ((await c.quickInput.locator('.quick-input-message').textContent().catch(() => '')) ?? '').trim();
        if (prompt.password && asked.some((t) => /passphrase/i.test(t)) && /wrong|incorrect|not right/i.test(`${prompt.title} ${message}`)) {
          error = `${prompt.title}: ${message}`;
          return true;
        }
        const value = prompt.password ? wrong.passphrase : /server/i.test(prompt.title) ? wrong.server : /room/i.test(prompt.title) ? wrong.room : wrong.name;
        // A box asked a second time with the same title is the passphrase again: the check above decides.
        if (!asked.includes(prompt.title) && (await c.answerPrompt(prompt, value))) asked.push(prompt.title);
      }
      return false;
    });
    report.log(`  Mallory was told: ${error}`);
    if (!/wrong|incorrect|does not match|not right/i.test(error)) throw new E2eError('unclear_error', `The error does not say the passphrase is wrong: "${error}"`);
    await shots.take(c.page, 'wrong-passphrase', `A third profile with the wrong passphrase is told: "${error}" and sees no messages`);
    const seen = await c.messages().count();
    if (seen > 0) throw new E2eError('leak', `With the wrong passphrase Mallory's view shows ${seen} messages.`);
    await c.page.keyboard.press('Escape');
    await c.close();
    o.open.workbenches.splice(o.open.workbenches.indexOf(c), 1);
    await csC.stop();
  });

  const whileDown = 'Typed while the server was down.';
  await report.part('server restarted: both reconnect by themselves; a message typed meanwhile arrives once', 150_000, async () => {
    await a.openChat();
    await b.openChat();
    await server.stop();
    await until('both views show that the connection is lost', 30_000, async () => {
      const sa = await a.chat.locator(tid('banner')).getAttribute('data-state');
      const sb = await b.chat.locator(tid('banner')).getAttribute('data-state');
      return sa !== 'joined' && sb !== 'joined';
    });
    await a.typeAndSend(whileDown);
    const pending = a.messages(whileDown).first();
    await pending.waitFor({ timeout: 10_000 });
    const wasPending = (await pending.getAttribute('data-pending')) === 'true';
    await shots.take(a.page, 'server-down', `The server is down: Alice's banner says so and her message waits (pending=${wasPending})`);
    if (!wasPending) throw new E2eError('not_pending', 'Alice\'s message typed while the server was down is not shown as pending.');
    await server.restart();
    await Promise.all([a.waitConnected(60_000), b.waitConnected(60_000)]);
    await until('Bob receives the message typed while the server was down', 30_000, async () => (await b.messages(whileDown).count()) >= 1);
    await until('Alice\'s message is acknowledged after the reconnect', 30_000, async () => (await pending.getAttribute('data-pending')) === 'false');
    // Give a duplicate time to show up before counting.
    await b.page.waitForTimeout(2000);
    const countB = await b.messages(whileDown).count();
    const countA = await a.messages(whileDown).count();
    if (countB !== 1 || countA !== 1) throw new E2eError('duplicate', `The message typed while the server was down shows ${countA} time(s) for Alice and ${countB} for Bob; expected once each.`);
    // Connected again means nothing still says otherwise.
    for (const wb of [a, b]) {
      const notice = wb.chat.locator(tid('notice'));
      if ((await notice.count()) > 0 && (await notice.isVisible())) {
        const text = ((await notice.textContent()) ?? '').trim();
        if (/lost|reconnect|unreachable|not connected/i.test(text)) throw new E2eError('stale_notice', `${wb.user}'s view still says "${text}" after reconnecting.`);
      }
    }
    await shots.take(b.page, 'reconnected-bob', 'After the server restart Bob reconnected by himself and got the message typed meanwhile, once');
    await shots.take(a.page, 'reconnected-alice', 'After the server restart Alice reconnected; her message is delivered (not pending)');
  });
}

/** The <img> has loaded the picture Alice sent, at its size. */
async function imageLoaded(img: Locator): Promise<boolean> {
  if ((await img.count()) === 0) return false;
  const size = await img.evaluate((el) => {
    const i = el as HTMLImageElement;
    return { w: i.naturalWidth, h: i.naturalHeight, complete: i.complete };
  });
  return size.complete && size.w === IMAGE.w && size.h === IMAGE.h;
}

/** Answers VS Code's file dialog: code-server shows its simple dialog, a path in an input box with the folder's files below. */
export async function pickFile(wb: Workbench, file: string): Promise<void> {
  await wb.quickInput.waitFor({ state: 'visible', timeout: 15_000 });
  const input = wb.quickInput.locator('.quick-input-box input');
  const folder = `${dirname(file)}/`;
  // The dialog fills in its start folder by itself; typing before that would be overwritten.
  await until('the file dialog shows its start folder', 15_000, async () => (await input.inputValue()).endsWith('/'));
  // It can still rewrite its value once more after that (seen under load: our folder ended up after
  // its own), so enter the path until it holds, as a person would retype it.
  await until('the file dialog has the file name', 30_000, async () => {
    if ((await input.inputValue()) === file) return true;
    await input.fill(folder);
    await wb.quickInput.locator('.monaco-list-row', { hasText: basename(file) }).first().waitFor({ timeout: 10_000 });
    await input.press('End');
    await wb.page.keyboard.type(basename(file), { delay: 20 });
    await wb.page.waitForTimeout(300);
    return (await input.inputValue()) === file;
  });
  await input.press('Enter');
  await until('the file dialog closes', 15_000, async () => !(await wb.quickInput.isVisible()));
}
