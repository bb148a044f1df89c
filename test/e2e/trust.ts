// Part "trust" (issue 11): in a real workbench (Dark Modern, a narrow sidebar) Alice creates a room,
// where the new-room passphrase QuickPick refuses her weak typed passphrase with the reason and
// offers a generated one with a copy button; Bob and then someone else writing as "Bob" (both
// through the client core) post; Alice verifies Bob's fingerprint (the dialog shows both), sees the
// verified shield, and trusts the changed key from the key mark's context menu.
import { join } from 'node:path';
import { ChatClient } from '../../client/chat-client';
import { generateIdentity, type Identity } from '../../client/keys';
import { MemoryOutboxStore } from '../../client/storage';
import { startCodeServer } from './code-server';
import { E2eError } from './proc';
import { until, type PartOptions } from './part';
import type { TestServer } from '../support/server';
import { tid, Workbench } from './workbench';

export type TrustPartOptions = PartOptions;

const ROOM = 'trust';
/** What Alice types first: a passphrase a guesser finds at once. */
const WEAK = 'waffles';

/** A user who writes through the client core (no second workbench: the machine is shared). */
async function writer(server: TestServer, name: string, identity: Identity, passphrase: string): Promise<ChatClient> {
  const c = new ChatClient({ address: server.address, tls: { pin: server.fingerprint ?? '' }, identity, name, outbox: new MemoryOutboxStore() });
  await c.connect();
  await c.joinRoom(ROOM, passphrase);
  return c;
}

export async function trustPart(o: TrustPartOptions): Promise<void> {
  const { report, shots } = o;
  const fingerprint = o.server.fingerprint;
  if (!fingerprint) throw new E2eError('no_tls', 'The chat server does not serve TLS (no certificate fingerprint on its listening line).');
  const bobKey = generateIdentity();
  const malloryKey = generateIdentity();
  const clients: ChatClient[] = [];

  const cs = await report.part('start code-server for Alice (Dark Modern)', 120_000, async () => {
    const s = await startCodeServer({ name: 'trust-alice', tools: o.tools, stateDir: join(o.stateDir, 'alice'), vsix: o.vsix, settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    o.open.servers.push(s);
    return s;
  });
  const wb = await report.part("open Alice's workbench", 120_000, async () => {
    const w = await Workbench.open(o.browser, 'Alice', cs);
    o.open.workbenches.push(w);
    // So "copy" really reaches the page's clipboard, and the test can read it back.
    await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cs.origin });
    return w;
  });

  let generated = '';
  await report.part('a new room: the weak typed passphrase is refused with the reason, the generated one offered and copied', 180_000, async () => {
    await wb.openChat();
    await wb.runCommand('Message App: Connect to Server...');
    const deadline = Date.now() + 150_000;
    const input = wb.quickInput.locator('.quick-input-box input');
    while (!generated) {
      if (Date.now() > deadline) throw new E2eError('timeout', 'Alice never got the new-room passphrase QuickPick.');
      const dialog = wb.page.locator('.monaco-dialog-box');
      if (await dialog.isVisible()) {
        const text = ((await dialog.textContent()) ?? '').trim();
        const trust = dialog.locator('.monaco-button', { hasText: 'Trust and Connect' });
        const create = dialog.locator('.monaco-button', { hasText: 'Create Room' });
        if ((await trust.count()) > 0) {
          if (!text.includes(fingerprint)) throw new E2eError('wrong_fingerprint', `The first-use dialog does not show ${fingerprint}: "${text}"`);
          await trust.first().click();
        } else if ((await create.count()) > 0) {
          await create.first().click();
        } else {
          throw new E2eError('unexpected_dialog', `Alice was asked something unexpected: "${text}"`);
        }
        continue;
      }
      const prompt = await wb.currentPrompt();
      if (prompt === null || prompt.title === '') {
        await wb.page.waitForTimeout(200);
        continue;
      }
      if (/new room/i.test(prompt.title)) {
        // The QuickPick: the reason as its placeholder, the generated passphrase as an item's detail, no "use what I typed".
        const reason = (await input.getAttribute('placeholder')) ?? '';
        if (!/too easy to guess/i.test(reason)) throw new E2eError('no_reason', `The new-room QuickPick does not say why "${WEAK}" is refused: "${reason}"`);
        const rows = (await wb.quickInput.locator('.monaco-list-row').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
        report.log(`  the QuickPick says: "${reason}"; items: ${rows.map((r) => `"${r}"`).join(', ')}`);
        if (rows.some((r) => /passphrase I typed/i.test(r))) throw new E2eError('weak_offered', 'The QuickPick offers to use the weak typed passphrase.');
        const generatedRow = wb.quickInput.locator('.monaco-list-row', { hasText: 'Use a generated passphrase' }).first();
        // The item's detail line: the one element whose whole text is six lower-case words.
        const words = await generatedRow.evaluate((row) => {
          for (const el of Array.from(row.querySelectorAll('*'))) {
            const text = (el.textContent ?? '').trim();
            if (el.children.length === 0 && /^[a-z]+(?: [a-z]+){5}$/.test(text)) return text;
          }
          return '';
        });
        if (!words) throw new E2eError('no_generated', `No six-word passphrase in the QuickPick: ${JSON.stringify(rows)}`);
        await shots.take(wb.page, 'trust-new-room-passphrase', `Creating a room with "${WEAK}": refused with the reason; the generated passphrase offered with a copy button`);
        // The copy button on the generated item (shown on hover), as a person clicks it.
        await generatedRow.hover();
        await generatedRow.locator('.action-label.codicon-copy').first().click();
        await until('the "on the clipboard" notification', 10_000, async () => (await wb.notifications()).some((t) => /generated passphrase is on the clipboard/i.test(t)));
        const clip = await wb.page.evaluate(() => navigator.clipboard.readText()).catch((e: unknown) => `(unreadable: ${String(e)})`);
        if (clip !== words) throw new E2eError('not_copied', `The clipboard holds "${clip}", not the generated passphrase "${words}".`);
        report.log(`  copied to the clipboard: "${clip}"`);
        await generatedRow.click();
        generated = words;
        continue;
      }
      // The connect flow's input boxes; the passphrase box gets the weak one.
      const t = prompt.title;
      const value = prompt.password || /passphrase/i.test(t) ? WEAK : /server/i.test(t) ? o.server.address : /room/i.test(t) ? ROOM : /name/i.test(t) ? 'Alice' : undefined;
      if (value === undefined) throw new E2eError('unexpected_prompt', `An input box asked something unexpected: "${t}"`);
      await wb.answerPrompt(prompt, value);
    }
    await wb.waitConnected(60_000);
    const said = await wb.notifications();
    if (!said.some((t) => /uses the generated passphrase/i.test(t))) throw new E2eError('not_told', `Alice was not told the room uses the generated passphrase: ${JSON.stringify(said)}`);
  });

  await report.part('a narrow sidebar (260 px)', 30_000, async () => {
    report.log(`  sidebar width ${await wb.setSidebarWidth(260)} px`);
  });

  const keyOf = (text: string): ReturnType<Workbench['chat']['locator']> => wb.messages(text).first().locator(tid('message-key'));
  /** The key mark a message shows: its own, or its group header's (a message in a run shows none itself). */
  const shownMark = (text: string): Promise<{ verified: string | null; compared: string | null; why: string | null }> =>
    wb.messages(text).first().evaluate((el) => {
      for (let m: Element | null = el; m; m = m.previousElementSibling) {
        const key = m.getAttribute('data-testid') === 'message' ? m.querySelector('[data-testid="message-key"]') : null;
        if (key) return { verified: key.getAttribute('data-verified'), compared: key.getAttribute('data-compared'), why: key.getAttribute('data-why') };
      }
      return { verified: null, compared: null, why: null };
    });

  await report.part('Bob joins with the generated passphrase and writes; Alice sees first-sight trust', 90_000, async () => {
    const bob = await writer(o.server, 'Bob', bobKey, generated);
    clients.push(bob);
    await bob.sendText(ROOM, 'Hi Alice, Bob here');
    await wb.messages('Bob here').first().waitFor({ timeout: 30_000 });
    const mark = keyOf('Bob here');
    if ((await mark.getAttribute('data-verified')) !== 'true' || (await mark.getAttribute('data-compared')) !== null) {
      throw new E2eError('mark', 'Bob\'s first message is not shown as first-sight verified.');
    }
  });

  await report.part('Verify Fingerprint...: both fingerprints in the dialog, "They Match", the shield on Bob\'s messages', 90_000, async () => {
    await wb.runCommand('Message App: Verify Fingerprint...');
    const row = wb.quickInput.locator('.monaco-list-row', { hasText: 'Bob' }).first();
    await row.waitFor({ timeout: 10_000 });
    const rowText = ((await row.textContent()) ?? '').replace(/\s+/g, ' ');
    if (!rowText.includes(bobKey.fingerprint)) throw new E2eError('picker', `The sender picker does not show Bob's fingerprint: "${rowText}"`);
    await row.click();
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    const text = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ');
    if (!text.includes(bobKey.fingerprint) || !/You \(Alice\): [A-Z2-7]{4} /.test(text)) {
      throw new E2eError('dialog', `The verify dialog does not show both fingerprints: "${text}"`);
    }
    await shots.take(wb.page, 'trust-verify-dialog', "Verify Fingerprint: Bob's fingerprint and Alice's own, to read out, with They Match / They Differ");
    await dialog.locator('.monaco-button', { hasText: 'They Match' }).first().click();
    await until('the verified shield on Bob\'s message', 15_000, async () => (await keyOf('Bob here').getAttribute('data-compared')) === 'true');
    const label = await keyOf('Bob here').getAttribute('aria-label');
    if (label !== 'fingerprint verified') throw new E2eError('a11y', `The shield's accessible name is "${label}".`);
    await clients[0]!.sendText(ROOM, 'Compared in person, thanks');
    await wb.messages('Compared in person').first().waitFor({ timeout: 30_000 });
    await until('the shield on Bob\'s new message', 15_000, async () => (await shownMark('Compared in person')).compared === 'true');
    await shots.take(wb.page, 'trust-verified-mark', "Bob's messages with the verified shield (fingerprint compared), Dark Modern, narrow sidebar");
  });

  await report.part('a changed key: warned, then trusted on purpose from the key mark\'s context menu', 120_000, async () => {
    const mallory = await writer(o.server, 'Bob', malloryKey, generated);
    clients.push(mallory);
    await mallory.sendText(ROOM, 'New laptop, same Bob');
    await wb.messages('New laptop').first().waitFor({ timeout: 30_000 });
    const mark = keyOf('New laptop');
    if ((await mark.getAttribute('data-why')) !== 'changed key') throw new E2eError('mark', `The new key is not marked "changed key" (${await mark.getAttribute('data-why')}).`);
    await shots.take(wb.page, 'trust-changed-key', 'A message under "Bob" from another key: "changed key", never a shield');
    await mark.click({ button: 'right' });
    const item = wb.page.locator('.context-view .action-menu-item', { hasText: 'Trust New Key...' }).first();
    await item.waitFor({ timeout: 10_000 });
    const dialog = wb.page.locator('.monaco-dialog-box');
    // A menu ignores the clicks of its first moments (the right button's release); hover, then click
    // again if the menu is still open and no dialog came.
    await item.hover();
    await wb.page.waitForTimeout(300);
    await item.click();
    for (let tries = 0; tries < 3 && !(await dialog.isVisible()); tries++) {
      await wb.page.waitForTimeout(1000);
      if (!(await dialog.isVisible()) && (await item.isVisible())) await item.click();
    }
    await dialog.waitFor({ timeout: 10_000 });
    const text = ((await dialog.textContent()) ?? '').replace(/\s+/g, ' ');
    if (!text.includes(bobKey.fingerprint) || !text.includes(malloryKey.fingerprint)) throw new E2eError('dialog', `The Trust New Key dialog does not show the old and the new fingerprint: "${text}"`);
    await shots.take(wb.page, 'trust-new-key-dialog', 'Trust New Key: the pinned and the new fingerprint, a deliberate confirmation');
    await dialog.locator('.monaco-button', { hasText: 'Trust New Key' }).first().click();
    await until('the old key\'s shield gone', 15_000, async () => (await keyOf('Bob here').getAttribute('data-compared')) === null);
    await mallory.sendText(ROOM, 'Trusted now');
    await wb.messages('Trusted now').first().waitFor({ timeout: 30_000 });
    const after = await shownMark('Trusted now');
    if (after.verified !== 'true' || after.why !== null || after.compared !== null) {
      throw new E2eError('mark', `After Trust New Key the new key's message shows ${JSON.stringify(after)}, not first-sight verified.`);
    }
    await shots.take(wb.page, 'trust-after-new-key', 'After Trust New Key: the new key\'s messages verify (first sight); the old shield is gone');
  });

  for (const c of clients) c.close();
}
