// Part "files" (issue 14): Alice sends a 50 MB file with Send File... (progress shown), Bob sees the
// file card, saves it with Save File As... to a path he picks (progress shown), and the saved file's
// SHA-256 is the original's; no partial file stays behind. Screenshots of the progress and the card.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, openSync, closeSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { ChatClient } from '../../client/chat-client';
import { formatInvite } from '../../client/invite';
import { generateIdentity } from '../../client/keys';
import { MemoryOutboxStore } from '../../client/storage';
import { formatSize } from '../../protocol/size';
import type { TestServer } from '../support/server';
import { startCodeServer, type CodeServer } from './code-server';
import { E2eError } from './proc';
import type { Report } from './report';
import type { Tools } from './setup';
import { pickFile } from './two-users';
import { Screenshots, tid, Workbench, type ConnectAnswers } from './workbench';

export interface FilesOptions {
  browser: Browser;
  tools: Tools;
  stateDir: string;
  vsix: string;
  server: TestServer;
  shots: Screenshots;
  report: Report;
  open: { workbenches: Workbench[]; servers: CodeServer[] };
}

const ROOM = 'files';
const PASSPHRASE = 'correct horse battery staple';
const FILE_NAME = 'e2e-50mb.bin';
const SIZE = 50 * 1024 * 1024;

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new E2eError('timeout', `${what} (waited ${timeoutMs / 1000} s)`);
}

/**
 * Creates `room` through the client core (pinned to the e2e server's certificate), so the users in
 * VS Code join an existing room: creating one from VS Code asks for a strong new passphrase (part 2's
 * rooms are made the same way, by the CLI).
 */
export async function createRoom(server: TestServer, room: string, passphrase: string): Promise<void> {
  const client = new ChatClient({ address: server.address, tls: { pin: server.fingerprint ?? '' }, identity: generateIdentity(), name: 'Setup', outbox: new MemoryOutboxStore() });
  try {
    await client.connect();
    await client.joinRoom(room, passphrase, { create: true });
  } finally {
    client.close();
  }
}

/** Random bytes written in 1 MiB pieces (never 50 MB in memory); returns the SHA-256 in hex. */
function writeRandomFile(path: string, size: number): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let left = size; left > 0; ) {
      const piece = randomBytes(Math.min(left, 1024 * 1024));
      writeSync(fd, piece);
      hash.update(piece);
      left -= piece.length;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** The progress notification whose title starts with `title`; its message says "X MB of Y MB". */
function progressToast(wb: Workbench, title: string): Locator {
  return wb.page.locator('.notification-toast', { hasText: title }).first();
}

/**
 * Waits for a transfer's progress notification and photographs it while it runs. Returns the texts it
 * showed (title and "X of Y" messages), seen by polling until it closes or `done()` holds.
 */
async function watchProgress(
  wb: Workbench,
  title: string,
  shots: Screenshots,
  shot: { name: string; what: string },
  done: () => Promise<boolean>,
  timeoutMs: number,
): Promise<{ texts: string[]; photographed: boolean; ms: number }> {
  const toast = progressToast(wb, title);
  const t = Date.now();
  const texts: string[] = [];
  let photographed = false;
  await until(`the "${title}" progress notification shows`, 30_000, async () => (await toast.count()) > 0 || (await done()), 50);
  while (Date.now() - t < timeoutMs) {
    if ((await toast.count()) === 0 || (await done())) break;
    const text = ((await toast.locator('.notification-list-item-message').textContent().catch(() => '')) ?? '').trim();
    if (text !== '' && texts.at(-1) !== text) texts.push(text);
    // One photograph once the notification says how far it got (a progress bar and "X MB of 50 MB").
    if (!photographed && / of /.test(text)) {
      await shots.take(wb.page, shot.name, `${shot.what}: "${text}"`);
      photographed = true;
    }
    await wb.page.waitForTimeout(100);
  }
  return { texts, photographed, ms: Date.now() - t };
}

export async function filesPart(o: FilesOptions): Promise<void> {
  const { report, shots, server } = o;
  const fingerprint = server.fingerprint;
  if (!fingerprint) throw new E2eError('no_tls', 'The chat server does not serve TLS (no certificate fingerprint on its listening line).');

  const [csA, csB] = await report.part('files: start code-server for Alice and Bob', 120_000, () =>
    Promise.all(
      ['alice', 'bob'].map(async (name) => {
        const cs = await startCodeServer({ name, tools: o.tools, stateDir: join(o.stateDir, name), vsix: o.vsix, settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
        o.open.servers.push(cs);
        return cs;
      }),
    ),
  );
  if (!csA || !csB) throw new E2eError('internal', 'code-servers missing');
  const [a, b] = await report.part('files: open both workbenches', 120_000, () =>
    Promise.all([
      Workbench.open(o.browser, 'Alice', csA).then((wb) => (o.open.workbenches.push(wb), wb)),
      Workbench.open(o.browser, 'Bob', csB).then((wb) => (o.open.workbenches.push(wb), wb)),
    ]),
  );
  if (!a || !b) throw new E2eError('internal', 'workbenches missing');

  const connect = async (wb: Workbench, how: ConnectAnswers): Promise<void> => {
    await wb.openChat();
    await wb.runCommand('Message App: Connect to Server...');
    await wb.answerPrompts(how, () => wb.chat.locator(`${tid('banner')}[data-state="joined"]`).count().then((n) => n > 0), 90_000);
    await wb.waitConnected();
  };
  await report.part('files: Alice and Bob join the room (made beforehand through the client core)', 150_000, async () => {
    await createRoom(server, ROOM, PASSPHRASE);
    await connect(a, { server: server.address, room: ROOM, name: 'Alice', passphrase: PASSPHRASE, firstUse: { fingerprint, seen: async () => undefined } });
    await connect(b, { server: formatInvite({ server: server.address, room: ROOM, fingerprint }), room: ROOM, name: 'Bob', passphrase: PASSPHRASE });
  });

  const source = join(csA.workspace, FILE_NAME);
  const sha = await report.part('files: make a 50 MB file of random bytes in Alice\'s workspace', 60_000, async () => writeRandomFile(source, SIZE));
  report.log(`  ${FILE_NAME}: ${SIZE} bytes, SHA-256 ${sha}`);

  const card = b.chat.locator(tid('file-card')).filter({ has: b.chat.locator(tid('file-name'), { hasText: FILE_NAME }) }).first();
  await report.part('files: Alice sends it with Send File...; the upload shows its progress', 240_000, async () => {
    await a.runCommand('Message App: Send File...');
    await pickFile(a, source);
    const ownCard = a.chat.locator(tid('file-card')).filter({ has: a.chat.locator(tid('file-name'), { hasText: FILE_NAME }) }).first();
    const seen = await watchProgress(
      a,
      `Sending ${FILE_NAME}`,
      shots,
      { name: 'files-upload-progress', what: `Alice sends a 50 MB file: the upload's progress notification` },
      async () => (await ownCard.count()) > 0 && (await ownCard.locator('xpath=ancestor::*[@data-testid="message"][1]').getAttribute('data-pending')) === 'false',
      200_000,
    );
    report.log(`  upload notification for ${(seen.ms / 1000).toFixed(1)} s; it said: ${seen.texts.slice(0, 3).join(' | ')}${seen.texts.length > 3 ? ` ... ${seen.texts.at(-1)}` : ''}`);
    if (!seen.texts.some((t) => / of 50(\.0)? MB/.test(t))) throw new E2eError('no_progress', `The upload's notification never said how far it got (it said: ${JSON.stringify(seen.texts)}).`);
    if (!seen.photographed) throw new E2eError('no_progress', 'The upload\'s progress could not be photographed.');
    await ownCard.waitFor({ timeout: 60_000 });
  });

  await report.part('files: Bob sees the file card (name, size, Save button)', 60_000, async () => {
    await card.waitFor({ timeout: 45_000 });
    const size = ((await card.locator(tid('file-size')).textContent()) ?? '').trim();
    if (size !== formatSize(SIZE)) throw new E2eError('card_size', `Bob's card shows the size "${size}", expected "${formatSize(SIZE)}".`);
    const sender = await b.senderOf(card.locator('xpath=ancestor::*[@data-testid="message"][1]'));
    if (sender !== 'Alice') throw new E2eError('wrong_sender', `Bob's card is from "${sender}", expected Alice.`);
    if ((await card.locator(tid('save-file')).count()) !== 1) throw new E2eError('no_save', 'Bob\'s file card has no Save File As... button.');
    await card.scrollIntoViewIfNeeded();
    await shots.take(b.page, 'files-card', `Bob sees Alice's file as a card: ${FILE_NAME}, ${size}, Save File As...`);
  });

  const target = join(csB.workspace, 'saved-by-bob.bin');
  await report.part('files: Bob saves it with Save File As... to a path he picks; the download shows its progress', 240_000, async () => {
    await card.locator(tid('save-file')).click();
    await pickSavePath(b, target);
    // Done is said in the chat view (the host's notice: "Saved NAME (SIZE).").
    const saved = b.chat.locator(tid('notice'), { hasText: `Saved ${FILE_NAME}` }).first();
    const seen = await watchProgress(
      b,
      `Saving ${FILE_NAME}`,
      shots,
      { name: 'files-download-progress', what: 'Bob saves the file: the download\'s progress notification' },
      async () => (await saved.count()) > 0,
      200_000,
    );
    report.log(`  download notification for ${(seen.ms / 1000).toFixed(1)} s; it said: ${seen.texts.slice(0, 3).join(' | ')}${seen.texts.length > 3 ? ` ... ${seen.texts.at(-1)}` : ''}`);
    await until('Bob is told the file was saved', 120_000, async () => (await saved.count()) > 0, 250);
    if (!seen.texts.some((t) => / of 50(\.0)? MB/.test(t))) throw new E2eError('no_progress', `The download's notification never said how far it got (it said: ${JSON.stringify(seen.texts)}).`);
    if (!seen.photographed) throw new E2eError('no_progress', 'The download\'s progress could not be photographed.');
    await shots.take(b.page, 'files-saved', `Bob is told: "${((await saved.textContent()) ?? '').trim()}"`);
  });

  await report.part('files: the saved file is the original (size and SHA-256); no partial file stays', 60_000, async () => {
    if (!existsSync(target)) throw new E2eError('not_saved', `Bob's file ${target} does not exist.`);
    const size = statSync(target).size;
    if (size !== SIZE) throw new E2eError('wrong_size', `Bob's saved file has ${size} bytes, the original ${SIZE}.`);
    const got = await sha256File(target);
    report.log(`  saved ${target}: SHA-256 ${got}`);
    if (got !== sha) throw new E2eError('wrong_sha256', `Bob's saved file has SHA-256 ${got}, the original ${sha}.`);
    const leftovers = readdirSync(csB.workspace).filter((f) => f.endsWith('.part'));
    if (leftovers.length > 0) throw new E2eError('partial_left', `Partial files stay in Bob's workspace: ${leftovers.join(', ')}`);
  });
}

/** Answers VS Code's save dialog (code-server's simple dialog: a path in an input box) with `path`, a new file. */
async function pickSavePath(wb: Workbench, path: string): Promise<void> {
  await wb.quickInput.waitFor({ state: 'visible', timeout: 15_000 });
  const input = wb.quickInput.locator('.quick-input-box input');
  // The dialog fills in the suggested path by itself; typing before that would be overwritten.
  await until('the save dialog shows its suggested path', 15_000, async () => (await input.inputValue()).includes('/'));
  await until('the save dialog holds the chosen path', 30_000, async () => {
    if ((await input.inputValue()) === path) return true;
    await input.fill(path);
    await wb.page.waitForTimeout(300);
    return (await input.inputValue()) === path;
  });
  await input.press('Enter');
  await until('the save dialog closes', 15_000, async () => !(await wb.quickInput.isVisible()));
}
