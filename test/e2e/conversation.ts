// Part "conversation" (issue 13): Alice and Bob, each in their own code-server in
// Dark Modern with a narrow (300 px) sidebar, in a fresh room. Bob replies from the
// hover toolbar and reacts with the emoji picker; Alice starts typing (Bob sees
// "Alice is typing…"), edits her message with Up in the empty composer (Bob
// opens the earlier version) and deletes another after the confirmation. Both
// views update live; screenshots of each step in test-results/e2e.
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { startCodeServer } from './code-server';
import { E2eError } from './proc';
import { createRoom, until, type PartOptions } from './part';
import { tid, Workbench, type ConnectAnswers } from './workbench';

export type ConversationOptions = PartOptions;

const ROOM = 'conversation';
const PASSPHRASE = 'correct horse battery staple';
const SIDEBAR_PX = 300;

/** The message whose own text (or reply text) contains `text`. */
function message(wb: Workbench, text: string): Locator {
  return wb.chat.locator(tid('message')).filter({ has: wb.chat.locator(tid('message-text'), { hasText: text }) });
}

/** Hovers a message and presses one of its toolbar buttons, as a mouse user does. */
async function act(wb: Workbench, msg: Locator, action: 'react' | 'reply' | 'edit' | 'delete' | 'more'): Promise<void> {
  await msg.first().scrollIntoViewIfNeeded();
  await msg.first().hover();
  await msg.first().locator(tid(`action-${action}`)).click();
}

export async function conversationPart(o: ConversationOptions): Promise<void> {
  const { report, shots } = o;
  const fingerprint = o.server.fingerprint;
  if (!fingerprint) throw new E2eError('no_tls', 'The chat server does not serve TLS (no certificate fingerprint on its listening line).');
  const settings = { 'workbench.colorTheme': 'Default Dark Modern' };

  // The room is made beforehand through the client core (as part "list" does): this part is about the conversation, not about creating rooms.
  await report.part('conversation: create the room through the client', 60_000, async () => {
    await createRoom(o.server, ROOM, PASSPHRASE);
  });

  const [csA, csB] = await report.part('conversation: start code-server for Alice and Bob (Dark Modern)', 180_000, () =>
    Promise.all(
      ['alice', 'bob'].map(async (name) => {
        const cs = await startCodeServer({ name: `conv-${name}`, tools: o.tools, stateDir: join(o.stateDir, name), vsix: o.vsix, settings });
        o.open.servers.push(cs);
        return cs;
      }),
    ),
  );
  if (!csA || !csB) throw new E2eError('internal', 'code-servers missing');
  const [a, b] = await report.part('conversation: open both workbenches', 120_000, () =>
    Promise.all([
      Workbench.open(o.browser, 'Alice', csA).then((wb) => (o.open.workbenches.push(wb), wb)),
      Workbench.open(o.browser, 'Bob', csB).then((wb) => (o.open.workbenches.push(wb), wb)),
    ]),
  );

  const connect = async (wb: Workbench, name: string): Promise<void> => {
    await wb.openChat();
    await wb.runCommand('Message App: Connect to Server...');
    const how: ConnectAnswers = { server: o.server.address, room: ROOM, name, passphrase: PASSPHRASE, firstUse: { fingerprint, seen: async () => undefined } };
    await wb.answerPrompts(how, () => wb.chat.locator(`${tid('banner')}[data-state="joined"]`).count().then((n) => n > 0), 90_000);
    await wb.waitConnected();
    const width = await wb.setSidebarWidth(SIDEBAR_PX);
    report.log(`  ${name}: sidebar ${width} px`);
  };
  await report.part('conversation: Alice and Bob join a fresh room, sidebar 300 px', 180_000, async () => {
    await connect(a, 'Alice');
    await connect(b, 'Bob');
  });

  const question = 'Lunch at noon on Friday?';
  const answer = 'Noon works for me';
  await report.part('Bob replies to Alice from the hover toolbar; both see the quote', 60_000, async () => {
    await a.typeAndSend(question);
    await message(b, question).first().waitFor({ timeout: 15_000 });
    await act(b, message(b, question), 'reply');
    const banner = b.chat.locator(tid('compose-mode'));
    await banner.waitFor({ state: 'visible', timeout: 5_000 });
    const said = (await banner.textContent())?.trim() ?? '';
    if (!said.includes(`Replying to Alice: ${question}`)) throw new E2eError('reply_banner', `Bob's composer says "${said}".`);
    await shots.take(b.page, 'conversation-bob-replying', 'Bob replies: the composer shows "Replying to Alice: ..." with Cancel');
    await b.typeAndSend(answer);
    for (const wb of [a, b]) {
      const reply = message(wb, answer);
      await reply.first().waitFor({ timeout: 15_000 });
      if ((await reply.first().getAttribute('data-kind')) !== 'reply') throw new E2eError('not_a_reply', `${wb.user} sees Bob's answer as a ${await reply.first().getAttribute('data-kind')}.`);
      const quote = (await reply.first().locator(tid('reply-quote')).textContent())?.trim() ?? '';
      if (!quote.includes(`Alice: ${question}`)) throw new E2eError('reply_quote', `${wb.user} sees the quote "${quote}".`);
    }
  });

  await report.part('Bob reacts 🎉 with the emoji picker; Alice sees the chip live with his name', 60_000, async () => {
    await act(b, message(b, question), 'react');
    const picker = b.chat.locator(tid('emoji-picker'));
    await picker.waitFor({ timeout: 5_000 });
    await shots.take(b.page, 'conversation-bob-picker', 'Bob\'s emoji picker: the six quick reactions and a box for any emoji');
    await picker.locator('[data-emoji="🎉"]').click();
    for (const wb of [a, b]) {
      const chip = message(wb, question).first().locator(`${tid('reaction')}[data-react-emoji="🎉"]`);
      await chip.waitFor({ timeout: 15_000 });
      const count = (await chip.locator('.reaction-count').textContent())?.trim();
      if (count !== '1') throw new E2eError('reaction_count', `${wb.user} sees 🎉 ${count}.`);
      const pressed = await chip.getAttribute('aria-pressed');
      if (pressed !== String(wb === b)) throw new E2eError('reaction_mine', `${wb.user}'s 🎉 chip says pressed=${pressed}.`);
    }
    const who = await message(a, question).first().locator(`${tid('reaction')}[data-react-emoji="🎉"]`).getAttribute('title');
    if (who !== 'Bob') throw new E2eError('reaction_who', `Alice's chip says the reaction is by "${who}".`);
    // A second press on his own chip takes it back; a third puts it back.
    const mine = message(b, question).first().locator(`${tid('reaction')}[data-react-emoji="🎉"]`);
    await mine.click();
    await until('Alice sees Bob\'s 🎉 taken back', 15_000, async () => (await message(a, question).first().locator(tid('reaction')).count()) === 0);
    await act(b, message(b, question), 'react');
    await b.chat.locator(`${tid('emoji-picker')} [data-emoji="🎉"]`).click();
    await message(a, question).first().locator(`${tid('reaction')}[data-react-emoji="🎉"]`).waitFor({ timeout: 15_000 });
    await shots.take(a.page, 'conversation-alice-sees-reply-and-reaction', 'Alice sees Bob\'s reply (with its quote) and his 🎉 under her message');
  });

  await report.part('Alice starts typing; Bob sees "Alice is typing…"', 45_000, async () => {
    const box = a.chat.locator(`${tid('composer')} textarea`);
    await box.click();
    await box.pressSequentially('Actually', { delay: 60 });
    const line = b.chat.locator(tid('typing'));
    await until('Bob sees "Alice is typing…"', 15_000, async () => ((await line.textContent()) ?? '').includes('Alice is typing'));
    if ((await line.getAttribute('aria-live')) !== 'polite') throw new E2eError('typing_live', 'The typing line is not a polite live region.');
    await shots.take(b.page, 'conversation-bob-sees-typing', 'Bob sees "Alice is typing…" under the messages');
    await box.fill('');
  });

  const edited = 'Lunch at 12:30 on Friday?';
  await report.part('Alice edits her question with Up in the empty composer; Bob sees "(edited)" and the earlier version', 60_000, async () => {
    const box = a.chat.locator(`${tid('composer')} textarea`);
    await box.click();
    await box.press('ArrowUp');
    await until('the composer holds the question to edit', 5_000, async () => (await box.inputValue()) === question);
    await box.fill(edited);
    await box.press('Enter');
    for (const wb of [a, b]) {
      const msg = message(wb, edited);
      await msg.first().waitFor({ timeout: 15_000 });
      await msg.first().locator(tid('edited')).waitFor({ timeout: 15_000 });
    }
    // The reaction stays on the edited message.
    await message(b, edited).first().locator(`${tid('reaction')}[data-react-emoji="🎉"]`).waitFor({ timeout: 5_000 });
    await message(b, edited).first().locator(tid('edited')).click();
    const versions = b.chat.locator(tid('versions'));
    await versions.waitFor({ timeout: 5_000 });
    const text = (await versions.textContent()) ?? '';
    if (!text.includes(question) || !text.includes(edited)) throw new E2eError('versions', `Bob's earlier versions show "${text}".`);
    await shots.take(b.page, 'conversation-bob-sees-edit', 'Bob sees the edited question, "(edited)", and opened its earlier version');
    await versions.locator('button').click();
  });

  const withMention = `${edited} @Bob`;
  await report.part('Alice edits again and @mentions Bob; Bob sees the mention marked as his', 60_000, async () => {
    const box = a.chat.locator(`${tid('composer')} textarea`);
    await box.click();
    await box.press('ArrowUp');
    await until('the composer holds the edited question', 5_000, async () => (await box.inputValue()) === edited);
    await box.press('End');
    await box.pressSequentially(' @Bo', { delay: 30 });
    await a.chat.locator(tid('mention-option'), { hasText: '@Bob' }).first().waitFor({ timeout: 10_000 });
    await box.press('Enter');
    await until('the composer completed "@Bob"', 5_000, async () => (await box.inputValue()).trim() === withMention);
    await box.press('Enter');
    const mark = message(b, withMention).first().locator(`${tid('mentions')} .mention.me`);
    await mark.waitFor({ timeout: 15_000 }).catch(() => {
      throw new E2eError('edit_mention', 'Bob does not see the mention Alice added by editing as his.');
    });
    await shots.take(b.page, 'conversation-bob-mentioned-by-edit', 'Alice edited her question to add "@Bob": Bob sees the mention marked as his');
  });

  const oops = 'oops, wrong room';
  await report.part('Alice deletes a message after the confirmation; both see "message deleted"', 60_000, async () => {
    await a.typeAndSend(oops);
    await message(b, oops).first().waitFor({ timeout: 15_000 });
    await until('Alice\'s message is acknowledged', 15_000, async () => (await message(a, oops).first().getAttribute('data-pending')) === 'false');
    const id = await message(a, oops).first().getAttribute('data-id');
    if (!id) throw new E2eError('no_id', 'Alice\'s acknowledged message has no server id.');
    await act(a, message(a, oops), 'delete');
    const dialog = a.chat.locator(tid('confirm-delete'));
    await dialog.waitFor({ timeout: 5_000 });
    await shots.take(a.page, 'conversation-alice-confirms-delete', 'Alice is asked before deleting for everyone');
    await dialog.locator('[data-confirm="delete"]').click();
    for (const wb of [a, b]) {
      const row = wb.chat.locator(`${tid('message')}[data-id="${id}"]`);
      await until(`${wb.user} sees "message deleted"`, 15_000, async () => (await row.getAttribute('data-kind')) === 'placeholder' && ((await row.textContent()) ?? '').includes('message deleted'));
      if ((await message(wb, oops).count()) !== 0) throw new E2eError('not_deleted', `${wb.user} still sees "${oops}".`);
    }
    await shots.take(a.page, 'conversation-alice-after-delete', 'Alice\'s view after the delete: "message deleted" in its place');
    await shots.take(b.page, 'conversation-bob-after-delete', 'Bob\'s view updated live: the reply, the edited question with 🎉, "message deleted"');
    for (const wb of [a, b]) if (wb.dialogs.length > 0) throw new E2eError('dialog', `${wb.user}'s page opened a dialog: ${wb.dialogs.join('; ')}`);
  });
}
