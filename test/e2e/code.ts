// Part "code" (issue 12): Alice shares a selection from an open file with "Share Selection to Chat";
// Bob sees `src/math.ts:3-5` highlighted in a dark theme and Open takes him to those lines of the
// same file in his workspace. Then Alice (setting "mentions") hides her chat; Bob's plain message
// does not notify her, his @mention, completed from the composer's list, does.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCodeServer } from './code-server';
import { createRoom, until, type PartOptions } from './part';
import { E2eError } from './proc';
import { tid, Workbench, type ConnectAnswers } from './workbench';

export type CodePartOptions = PartOptions;

const ROOM = 'code';
const PASSPHRASE = 'correct horse battery staple';
const FILE = 'src/math.ts';
const SOURCE = [
  '// Small helpers for the end-to-end test.',
  '',
  'export function add(a: number, b: number): number {',
  '  return a + b; // the sum',
  '}',
  '',
  'export const answer = add(40, 2);',
  '',
].join('\n');

export async function codePart(o: CodePartOptions): Promise<void> {
  const { report, shots, server } = o;
  const fingerprint = server.fingerprint;
  if (!fingerprint) throw new E2eError('no_tls', 'The chat server does not serve TLS (no certificate fingerprint on its listening line).');

  await report.part('create the room through the client core (the users only join it)', 60_000, () => createRoom(server, ROOM, PASSPHRASE));

  const [csA, csB] = await report.part('start code-server for Alice (notifications: mentions) and Bob, dark theme, the same file in both workspaces', 120_000, () =>
    Promise.all(
      (['alice', 'bob'] as const).map(async (name) => {
        const settings: Record<string, unknown> = { 'workbench.colorTheme': 'Default Dark Modern' };
        if (name === 'alice') settings['messageApp.notifications'] = 'mentions';
        const cs = await startCodeServer({ name: `code-${name}`, tools: o.tools, stateDir: join(o.stateDir, name), vsix: o.vsix, settings });
        o.open.servers.push(cs);
        mkdirSync(join(cs.workspace, 'src'), { recursive: true });
        writeFileSync(join(cs.workspace, ...FILE.split('/')), SOURCE);
        return cs;
      }),
    ),
  );
  if (!csA || !csB) throw new E2eError('internal', 'code-servers missing');
  const [a, b] = await report.part('open both workbenches', 120_000, () =>
    Promise.all([
      Workbench.open(o.browser, 'Alice', csA).then((wb) => (o.open.workbenches.push(wb), wb)),
      Workbench.open(o.browser, 'Bob', csB).then((wb) => (o.open.workbenches.push(wb), wb)),
    ]),
  );
  if (!a || !b) throw new E2eError('internal', 'workbenches missing');

  const connect = async (wb: Workbench, name: string): Promise<void> => {
    const answers: ConnectAnswers = { server: server.address, room: ROOM, name, passphrase: PASSPHRASE, firstUse: { fingerprint, seen: async () => undefined } };
    await wb.openChat();
    await wb.runCommand('Message App: Connect to Server...');
    await wb.answerPrompts(answers, () => wb.chat.locator(`${tid('banner')}[data-state="joined"]`).count().then((n) => n > 0), 90_000);
    await wb.waitConnected();
  };
  await report.part('Alice and Bob connect to the room', 200_000, async () => {
    await connect(a, 'Alice');
    await connect(b, 'Bob');
  });

  const title = `${FILE}:3-5`;
  const snippet = b.chat.locator(tid('code-snippet')).filter({ has: b.chat.locator(tid('code-title'), { hasText: title }) });
  await report.part('Alice opens src/math.ts, selects lines 3-5 and runs Share Selection to Chat', 90_000, async () => {
    await a.runCommand('Go to File...');
    const input = a.quickInput.locator('.quick-input-box input');
    await input.fill('math.ts');
    await a.quickInput.locator('.monaco-list-row', { hasText: 'math.ts' }).first().waitFor({ timeout: 10_000 });
    await input.press('Enter');
    const editor = a.page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ timeout: 20_000 });
    await a.runCommand('Go to Line/Column...');
    // The box starts with ":" (Go to Line); filling it replaces that prefix, so it is typed again.
    await a.quickInput.locator('.quick-input-box input').fill(':3');
    await a.quickInput.locator('.quick-input-box input').press('Enter');
    const selection = a.page.locator('#status\\.editor\\.selection');
    await until('Alice\'s cursor is on line 3', 10_000, async () => /Ln 3\b/.test((await selection.textContent()) ?? ''));
    await a.page.keyboard.press('Home');
    await a.page.keyboard.press('Shift+ArrowDown');
    await a.page.keyboard.press('Shift+ArrowDown');
    await a.page.keyboard.press('Shift+End');
    await until('Alice has lines 3-5 selected', 10_000, async () => /Ln 5, Col 2\b.*selected/.test((await selection.textContent()) ?? ''));
    // From the palette opened over the editor (runCommand's Escape would collapse the selection first).
    await a.page.keyboard.press('F1');
    await a.quickInput.waitFor({ state: 'visible', timeout: 10_000 });
    await a.quickInput.locator('.quick-input-box input').fill('>Message App: Share Selection to Chat');
    await a.quickInput.locator('.monaco-list-row', { hasText: 'Share Selection to Chat' }).first().click();
    await a.chat.locator(tid('code-title'), { hasText: title }).first().waitFor({ timeout: 20_000 }).catch(async () => {
      const status = await a.page.locator('#status\\.editor\\.selection').textContent().catch(() => '?');
      throw new E2eError('not_shared', `Alice's chat shows no snippet "${title}" (her editor's selection: ${status}; notifications: ${JSON.stringify(await a.notifications())}).`);
    });
    await shots.take(a.page, 'code-alice-shared', `Alice shared lines 3-5 of ${FILE} from her editor; her chat shows the snippet`);
  });

  await report.part('Bob sees the snippet highlighted in the dark theme, with its path and lines', 60_000, async () => {
    await snippet.first().waitFor({ timeout: 20_000 });
    const code = snippet.first().locator(`${tid('code-text')}.hl`);
    await code.waitFor({ timeout: 20_000 }).catch(() => {
      throw new E2eError('not_highlighted', 'Bob\'s snippet never got the host\'s tokens (no highlighted <code>).');
    });
    const look = await code.evaluate((el) => ({
      spans: el.querySelectorAll('span').length,
      colours: [...new Set(Array.from(el.querySelectorAll('span')).map((s) => getComputedStyle(s).color))].length,
      text: el.textContent ?? '',
      dark: el.ownerDocument.body.classList.contains('vscode-dark'),
    }));
    report.log(`  Bob's snippet: ${look.spans} coloured spans in ${look.colours} colours, dark theme: ${look.dark}`);
    if (!look.dark) throw new E2eError('not_dark', 'Bob\'s chat is not in a dark theme.');
    if (look.spans < 5 || look.colours < 3) throw new E2eError('not_highlighted', `Bob's snippet has ${look.spans} spans in ${look.colours} colours: not highlighted.`);
    if (look.text !== SOURCE.split('\n').slice(2, 5).join('\n')) throw new E2eError('wrong_text', `Bob's snippet reads ${JSON.stringify(look.text)}.`);
    await snippet.first().scrollIntoViewIfNeeded();
    await shots.take(b.page, 'code-bob-highlighted', `Bob sees ${title} highlighted in Default Dark Modern, with Copy and Open`);
  });

  await report.part('Open takes Bob to lines 3-5 of his own src/math.ts', 60_000, async () => {
    await snippet.first().locator(tid('code-open')).click();
    const tab = b.page.locator('.tabs-container .tab.active', { hasText: 'math.ts' });
    await tab.waitFor({ timeout: 20_000 }).catch(() => {
      throw new E2eError('not_opened', 'Open did not show src/math.ts in Bob\'s editor.');
    });
    const status = b.page.locator('#status\\.editor\\.selection');
    await until('Bob\'s selection is lines 3-5', 15_000, async () => /Ln 5, Col 2\b/.test((await status.textContent()) ?? ''));
    const said = (await status.textContent())?.trim() ?? '';
    report.log(`  Bob's editor: ${said}`);
    const differ = (await b.notifications()).find((t) => /differ/.test(t));
    if (differ) throw new E2eError('lines_differ', `Bob was told the lines differ, though the files are the same: "${differ}".`);
    await shots.take(b.page, 'code-bob-opened', `Open: Bob's src/math.ts at lines 3-5 (${said})`);
  });

  await report.part('Bob @mentions Alice while her chat is hidden: only the mention notifies her', 90_000, async () => {
    await a.hideChat();
    // The extension host learns that the view was hidden a moment later than the page shows it.
    await a.page.waitForTimeout(1000);
    await b.openChat();
    await b.typeAndSend('A plain message while Alice looks elsewhere');
    const box = b.chat.locator(`${tid('composer')} textarea`);
    await box.click();
    await box.pressSequentially('Thanks @Al', { delay: 30 });
    const option = b.chat.locator(tid('mention-option'), { hasText: '@Alice' });
    await option.first().waitFor({ timeout: 10_000 }).catch(() => {
      throw new E2eError('no_completion', 'Typing "@Al" in Bob\'s composer did not offer Alice.');
    });
    const hint = await option.first().getAttribute('title');
    if (!hint?.includes('Alice: ')) throw new E2eError('no_fingerprint', `The suggestion's title does not show Alice's fingerprint: ${hint}.`);
    await shots.take(b.page, 'code-bob-mention-list', 'Bob typed "@Al": the list offers Alice, her fingerprint in the title');
    await box.press('Enter');
    const typed = await box.inputValue();
    if (typed !== 'Thanks @Alice ') throw new E2eError('not_completed', `Enter did not complete the name: the composer holds ${JSON.stringify(typed)}.`);
    await box.pressSequentially('for the snippet', { delay: 10 });
    await box.press('Enter');
    const sent = b.messages('Thanks @Alice for the snippet');
    await sent.first().waitFor({ timeout: 15_000 });
    const chip = sent.first().locator(`${tid('mentions')} .mention`);
    if ((await chip.textContent())?.trim() !== '@Alice') throw new E2eError('no_chip', 'Bob\'s message does not show "@Alice" under it.');

    const toast = a.page.locator('.notification-toast', { hasText: 'Bob mentioned you in code' }).first();
    await toast.waitFor({ timeout: 20_000 }).catch(async () => {
      throw new E2eError('no_notification', `Alice got no notification for Bob's mention (showing: ${JSON.stringify(await a.notifications())}).`);
    });
    const plain = (await a.notifications()).find((t) => t.includes('A plain message'));
    if (plain) throw new E2eError('notified_plain', `With "mentions", Alice was notified of a plain message: "${plain}".`);
    await shots.take(a.page, 'code-alice-mentioned', 'Alice\'s chat is hidden: a notification says Bob mentioned her');
    await toast.locator('.monaco-button', { hasText: 'Open Chat' }).click();
    const mine = a.messages('Thanks @Alice for the snippet');
    await mine.first().waitFor({ timeout: 15_000 });
    const me = mine.first().locator(`${tid('mentions')} .mention.me`);
    if ((await me.count()) !== 1) throw new E2eError('not_highlighted', 'Alice\'s view does not mark the mention as hers.');
    await mine.first().scrollIntoViewIfNeeded();
    await shots.take(a.page, 'code-alice-mention-highlighted', 'Alice opened the chat: the message that mentions her is highlighted, "@Alice" marked');
  });
}
