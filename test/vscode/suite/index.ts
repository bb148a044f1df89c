// The extension's integration suite, run inside a real VS Code extension host:
// by @vscode/test-electron (`npm run test:vscode`) and by the e2e runner inside
// code-server. It activates the packaged extension, opens the chat view, joins
// a room on a real server and exchanges messages with a second, plain client.
//
// The server address comes from MESSAGE_APP_TEST_SERVER ("host:port"), or from
// the JSON file named by MESSAGE_APP_TEST_CONFIG ({"server": "host:port"}), or
// from the `messageApp.server` setting. Bundled to dist/test/vscode/suite/index.js.

import { readFileSync } from 'node:fs';
import { strict as assert } from 'node:assert';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { ChatClient, type ChatEvent } from '../../../client/chat-client';
import { generateIdentity } from '../../../client/keys';
import { MemoryOutboxStore } from '../../../client/storage';
import { COMMAND_IDS } from '../../../extension/commands/table';
import type { MessageAppTestApi } from '../../../extension/test-api';
import { until as untilWithin } from '../../support/until';

const EXTENSION_ID = 'message-app.message-app';

function serverAddress(): string {
  const fromEnv = process.env.MESSAGE_APP_TEST_SERVER;
  if (fromEnv) return fromEnv;
  const file = process.env.MESSAGE_APP_TEST_CONFIG;
  if (file) {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { server?: unknown }).server === 'string') {
      return (parsed as { server: string }).server;
    }
  }
  const setting = vscode.workspace.getConfiguration('messageApp').get<string>('server', '');
  if (setting) return setting;
  throw new Error('No test server: set MESSAGE_APP_TEST_SERVER=host:port (or MESSAGE_APP_TEST_CONFIG, or messageApp.server).');
}

/** A VS Code window starts slowly: every wait here gets 20 s. */
function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  return untilWithin(what, probe, 20_000);
}

function defineTests(root: Mocha.Suite): void {
  const suite = Mocha.Suite.create(root, 'Message App in VS Code');
  let api: MessageAppTestApi | undefined;
  const room = `vscode-${Date.now().toString(36)}`;
  const passphrase = `test passphrase ${Math.random().toString(36).slice(2)}`;
  let peer: ChatClient | undefined;
  const peerEvents: ChatEvent[] = [];

  const test = (title: string, fn: () => Promise<void>): void => {
    suite.addTest(new Mocha.Test(title, fn));
  };

  suite.afterAll(async () => {
    peer?.close();
    await api?.disconnect();
  });

  test('the extension activates at start-up (no command needed) and registers its commands', async () => {
    const extension = vscode.extensions.getExtension<MessageAppTestApi | undefined>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    // onStartupFinished: the status bar shows the state before the user touches anything.
    await until('activation at start-up', () => extension.isActive);
    api = await extension.activate();
    assert.ok(extension.isActive);
    assert.ok(api, 'the test API is returned outside production mode');
    const commands = await vscode.commands.getCommands(true);
    for (const command of COMMAND_IDS) assert.ok(commands.includes(command), `${command} is registered`);
  });

  test('Focus Chat opens the chat view and its webview says ready', async () => {
    await vscode.commands.executeCommand('messageApp.focus');
    await until('the webview to be ready', () => api?.viewReady());
  });

  test('joins a new room on the real server and sends a message that another client receives', async () => {
    assert.ok(api);
    const server = serverAddress();
    // A TLS server's fingerprint is given (the e2e suite's server); without one the server runs with --tls off.
    const fingerprint = process.env.MESSAGE_APP_TEST_FINGERPRINT;
    if (fingerprint) await api.trustServer(server, fingerprint);
    else await vscode.workspace.getConfiguration('messageApp').update('tls', 'off', vscode.ConfigurationTarget.Global);
    await api.join(server, room, 'VS Code Tester', passphrase, true);
    const snap = api.snapshot();
    assert.equal(snap.active, room);
    assert.equal(snap.connection.state, 'joined');

    peer = new ChatClient({
      address: server,
      ...(fingerprint ? { tls: { pin: fingerprint } } : {}),
      identity: generateIdentity(),
      name: 'Peer',
      outbox: new MemoryOutboxStore(),
    });
    peer.onEvent((e) => peerEvents.push(e));
    await peer.connect();
    await peer.joinRoom(room, passphrase);

    const text = `hello from VS Code <b>${Date.now()}</b>`;
    const cid = await api.sendText(text);
    await until('the ack', () => api?.snapshot().rooms.find((r) => r.room === room)?.items.find((i) => i.cid === cid && i.id !== null));
    const got = await until('the peer to receive it', () =>
      peerEvents.find((e) => e.type === 'message' && e.item.cid === cid),
    );
    assert.ok(got.type === 'message' && got.item.kind === 'text');
    assert.equal(got.item.text, text);
    assert.equal(got.item.from.name, 'VS Code Tester');
  });

  test("the other client's answer shows in the view's state with its name", async () => {
    assert.ok(api && peer);
    const cid = await peer.sendText(room, 'answer from the peer');
    const item = await until('the answer in the snapshot', () =>
      api?.snapshot().rooms.find((r) => r.room === room)?.items.find((i) => i.cid === cid),
    );
    assert.equal(item.kind, 'text');
    assert.ok(item.kind === 'text' && item.from.name === 'Peer' && item.text === 'answer from the peer');
  });

  test('the menu context says "in a room" while joined', async () => {
    assert.ok(api);
    await until('the context key', () => api?.menuContext('messageApp.state') === 'inRoom');
    await until('the passphrase key', () => api?.menuContext('messageApp.hasPassphrase') === true);
  });

  test('Leave Room asks first: "no" keeps the room; then Leave Room and Disconnect leave it and close the connection', async () => {
    assert.ok(api);
    api.answerLeave(false);
    await vscode.commands.executeCommand('messageApp.leaveRoom');
    assert.equal(api.snapshot().rooms.some((r) => r.room === room), true, 'a "no" keeps the room');
    api.answerLeave(true);
    await vscode.commands.executeCommand('messageApp.leaveRoom');
    assert.equal(api.snapshot().rooms.some((r) => r.room === room), false);
    await vscode.commands.executeCommand('messageApp.disconnect');
    const snap = api.snapshot();
    // Disconnect keeps what was shown (here: no room, it was left), marked closed.
    assert.equal(snap.connection.state, 'closed');
    assert.deepEqual(snap.rooms, []);
    await until('the context key', () => api?.menuContext('messageApp.state') === 'offline');
  });
}

/** Entry point called by the test runner (test-electron or the e2e runner). */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  defineTests(mocha.suite);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
