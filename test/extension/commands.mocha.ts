// The command table (extension/commands/table.ts): package.json names the same
// commands once each, every menu entry names a known command, the webview's
// buttons map to commands in the table, and the "connected" / "in a room"
// guards let a command run or say why not.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrecondition, COMMAND_IDS, COMMANDS, VIEW_COMMAND_IDS } from '../../extension/commands/table';
import { VIEW_COMMANDS } from '../../protocol/webview';
import { REPO_ROOT } from '../support/server';

interface Manifest {
  contributes: { commands: Array<{ command: string }>; menus: Record<string, Array<{ command: string }>> };
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const spec = (id: string): (typeof COMMANDS)[number] => {
  const found = COMMANDS.find((c) => c.id === id);
  assert.ok(found, `${id} is in the table`);
  return found;
};

describe('extension command table', () => {
  it("lists exactly package.json's contributes.commands, each once", () => {
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.equal(new Set(COMMAND_IDS).size, COMMAND_IDS.length, 'no id twice in the table');
    assert.equal(new Set(contributed).size, contributed.length, 'no id twice in package.json');
    assert.deepEqual([...contributed].sort(), [...COMMAND_IDS].sort());
  });

  it('has every menu entry of package.json name a command of the table', () => {
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) assert.ok((COMMAND_IDS as readonly string[]).includes(entry.command), `${menu}: ${entry.command}`);
    }
  });

  it("maps every button of the webview to a command of the table", () => {
    assert.deepEqual(Object.keys(VIEW_COMMAND_IDS).sort(), [...VIEW_COMMANDS].sort());
    for (const id of Object.values(VIEW_COMMAND_IDS)) assert.ok(COMMAND_IDS.includes(id), id);
  });

  it('runs commands that need nothing in any state', () => {
    for (const id of ['messageApp.connect', 'messageApp.switchRoom', 'messageApp.forgetPassphrase', 'messageApp.showFingerprint', 'messageApp.focus']) {
      assert.deepEqual(checkPrecondition(spec(id), { connected: false, activeRoom: null }), { run: true }, id);
    }
  });

  it('refuses Disconnect when not connected, with a sentence, and runs it when connected', () => {
    assert.deepEqual(checkPrecondition(spec('messageApp.disconnect'), { connected: false, activeRoom: null }), {
      run: false,
      say: 'Message App is not connected.',
    });
    assert.deepEqual(checkPrecondition(spec('messageApp.disconnect'), { connected: true, activeRoom: null }), { run: true });
  });

  it('refuses the room commands outside a room (connected or not), and runs them in one', () => {
    for (const id of ['messageApp.leaveRoom', 'messageApp.sendImage', 'messageApp.sendImageFile']) {
      for (const connected of [false, true]) {
        const outcome = checkPrecondition(spec(id), { connected, activeRoom: null });
        assert.ok(!outcome.run && typeof outcome.say === 'string' && outcome.say.length > 0, `${id} says why`);
      }
      assert.deepEqual(checkPrecondition(spec(id), { connected: true, activeRoom: 'team' }), { run: true }, id);
    }
    assert.match(String((checkPrecondition(spec('messageApp.sendImage'), { connected: true, activeRoom: null }) as { say?: string }).say), /join a room first/);
  });

  it('refuses Save Image outside a room quietly (it comes from a context menu on an image)', () => {
    assert.deepEqual(checkPrecondition(spec('messageApp.saveImage'), { connected: true, activeRoom: null }), { run: false });
    assert.deepEqual(checkPrecondition(spec('messageApp.saveImage'), { connected: true, activeRoom: 'team' }), { run: true });
  });
});
