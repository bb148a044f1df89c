// Part "members" (issue 15): Dana creates a room with the client core and makes Alice (in the real UI) an
// owner; Bob and Carol join with the client core; Alice runs "Remove Member...", picks Carol, confirms,
// sees the new passphrase; Bob keeps chatting without typing anything new and Carol loses the room.
// Screenshots of Alice's narrow dark sidebar.
import { join } from 'node:path';
import { ChatClient, type ChatEvent } from '../../client/chat-client';
import { generateIdentity } from '../../client/keys';
import { MemoryOutboxStore } from '../../client/storage';
import { startCodeServer } from './code-server';
import { until, type PartOptions } from './part';
import { E2eError } from './proc';
import { tid, Workbench } from './workbench';
import { TESTID } from '../../webview/elements/selectors';

export type MembersOptions = PartOptions;

const ROOM = 'members';
// A new room needs a strong passphrase: six words.
const PASSPHRASE = 'amber quartz lantern harbor mosaic thistle';

interface Peer {
  client: ChatClient;
  events: ChatEvent[];
  texts(): string[];
}

async function peer(address: string, fingerprint: string, name: string, create = false): Promise<Peer> {
  const client = new ChatClient({ address, tls: { pin: fingerprint }, identity: generateIdentity(), name, outbox: new MemoryOutboxStore() });
  const events: ChatEvent[] = [];
  client.onEvent((e) => events.push(e));
  await client.connect();
  await client.joinRoom(ROOM, PASSPHRASE, { create });
  return {
    client,
    events,
    texts: () => events.flatMap((e) => (e.type === 'message' && e.item.kind === 'text' ? [e.item.text] : [])),
  };
}

export async function membersPart(o: MembersOptions): Promise<void> {
  const { report, shots } = o;
  const fingerprint = o.server.fingerprint;
  if (!fingerprint) throw new E2eError('no_tls', 'The chat server does not serve TLS (no certificate fingerprint on its listening line).');
  const peers: Peer[] = [];
  try {
    const cs = await report.part('start code-server for Alice (Dark Modern)', 120_000, async () => {
      const s = await startCodeServer({ name: 'alice-members', tools: o.tools, stateDir: join(o.stateDir, 'alice'), vsix: o.vsix, settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
      o.open.servers.push(s);
      return s;
    });
    const wb = await report.part("open Alice's workbench", 120_000, async () => {
      const w = await Workbench.open(o.browser, 'Alice', cs);
      o.open.workbenches.push(w);
      return w;
    });
    // A narrow sidebar, as people keep it.
    await wb.page.setViewportSize({ width: 1000, height: 800 });

    // Dana creates the room (its first owner) with the client core: the UI's new-room questions are part 2's.
    const dana = await report.part('Dana creates the room with the client core', 60_000, async () => {
      const d = await peer(o.server.address, fingerprint, 'Dana', true);
      peers.push(d);
      return d;
    });

    await report.part('Alice joins in the UI; Dana makes her an owner', 150_000, async () => {
      await wb.openChat();
      await wb.runCommand('Message App: Connect to Server...');
      await wb.answerPrompts(
        { server: o.server.address, room: ROOM, name: 'Alice', passphrase: PASSPHRASE, firstUse: { fingerprint, seen: async () => undefined } },
        async () => (await wb.chat.locator('[data-testid="banner"][data-state="joined"]').count()) > 0,
        120_000,
      );
      await wb.typeAndSend('Welcome, everyone');
      await until("Dana sees Alice's keys", 30_000, async () => (await dana.client.members(ROOM)).some((m) => m.name === 'Alice'));
      await dana.client.addOwner(ROOM, 'Alice');
      // After the owner body, in room order: once Alice shows this, her client knows she is an owner.
      await dana.client.sendText(ROOM, 'Alice is an owner now');
      await until('Alice sees Dana', 30_000, async () => (await wb.messages('Alice is an owner now').count()) > 0);
    });

    const [bob, carol] = await report.part('Bob and Carol join with the client core and say hello', 60_000, async () => {
      const b = await peer(o.server.address, fingerprint, 'Bob');
      peers.push(b);
      const c = await peer(o.server.address, fingerprint, 'Carol');
      peers.push(c);
      await b.client.sendText(ROOM, 'Hi, Bob here');
      await c.client.sendText(ROOM, 'Carol says hi');
      await until('Alice sees Carol', 30_000, async () => (await wb.messages('Carol says hi').count()) > 0);
      return [b, c] as const;
    });
    if (!bob || !carol) throw new E2eError('no_peer', 'Bob or Carol did not join.');

    await report.part('Alice removes Carol: pick, confirm, the new passphrase with Copy', 90_000, async () => {
      await wb.runCommand('Message App: Remove Member...');
      const row = wb.quickInput.locator('.monaco-list-row', { hasText: 'Carol' }).first();
      await row.waitFor({ timeout: 30_000 });
      await shots.take(wb.page, 'members-pick', 'Alice: Remove Member... lists Bob and Carol with their fingerprints');
      await row.click();
      const dialog = wb.page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 15_000 });
      const asked = ((await dialog.textContent()) ?? '').trim();
      if (!asked.includes('Remove Carol')) throw new E2eError('wrong_dialog', `The confirmation does not name Carol: "${asked}".`);
      await shots.take(wb.page, 'members-confirm', 'Alice: the modal confirmation says what Carol keeps and loses');
      await dialog.locator('.monaco-button', { hasText: 'Remove' }).first().click();
      const done = wb.page.locator('.monaco-dialog-box', { hasText: 'The new passphrase' });
      await done.waitFor({ timeout: 60_000 });
      await shots.take(wb.page, 'members-new-passphrase', 'Alice: Carol removed; the new passphrase with Copy');
      await done.locator('.monaco-button', { hasText: 'Copy' }).first().click();
      // Section 12.5's room line, in the timeline (not a passing notice): who removed whom.
      const line = wb.chat.locator(tid(TESTID.roomLine), { hasText: 'Alice removed Carol' });
      await until('the room line in Alice\'s view', 30_000, async () => (await line.count()) > 0);
      if ((await line.first().getAttribute('role')) !== 'note') throw new E2eError('line_role', 'The room line is not a note for screen readers.');
    });

    await report.part('Bob keeps chatting without a new passphrase; Carol loses the room', 60_000, async () => {
      await until('Bob follows the new key', 30_000, () => bob.client.epochOf(ROOM) === 1);
      await wb.typeAndSend('Carol has left the project');
      await until('Bob reads Alice after the removal', 30_000, () => bob.texts().includes('Carol has left the project'));
      await bob.client.sendText(ROOM, 'Bob keeps chatting');
      await until('Alice sees Bob after the removal', 30_000, async () => (await wb.messages('Bob keeps chatting').count()) > 0);
      await until('Carol loses the room', 30_000, () => carol.events.some((e) => e.type === 'room' && e.state === 'failed'));
      if (carol.texts().includes('Carol has left the project')) throw new E2eError('leak', 'Carol read a message sent after her removal.');
      await shots.take(wb.page, 'members-after', "Alice's sidebar after the removal: Bob's reply arrives");
    });
  } finally {
    for (const p of peers) p.client.close();
  }
}
