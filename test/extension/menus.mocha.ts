// The view's "..." menu and start-up (issue 16): package.json activates on
// start-up and binds Focus Chat to a key; Disconnect, Leave Room, Send Image
// and Forget Passphrase show only when they apply, by the context keys that
// extension/menu-context.ts sets (checked here against the real server and by
// evaluating package.json's `when` clauses); Leave Room asks first. VS Code's
// setContext and storage are the fakes here: the boundary Node cannot reach.

import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore } from '../../extension/key-store';
import { leaveActiveRoom } from '../../extension/leave-room';
import { MenuContext, menuState, OWNER_KEY, PASSPHRASE_KEY, STATE_KEY, type MenuFacts } from '../../extension/menu-context';
import { SessionHost } from '../../extension/session-host';
import { WindowRooms } from '../../extension/window-rooms';
import { REPO_ROOT, startServer, type TestServer } from '../support/server';
import { InMemoryMemento, InMemorySecretStorage } from './fakes';

interface MenuEntry {
  command: string;
  when?: string;
}
interface Manifest {
  activationEvents: string[];
  contributes: { keybindings?: Array<{ command: string; key: string; mac?: string }>; menus: Record<string, MenuEntry[]> };
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const FAST_KDF = { n: 2 ** 10, r: 8, p: 1 };

type Context = Record<string, string | boolean | undefined>;

/**
 * The part of VS Code's when-clause language package.json uses: `a == b`,
 * `a != b`, a bare key (truthy), `!key`, `&&`, `||` and parentheses. Anything
 * else throws, so a clause this cannot read fails the test instead of passing.
 */
function evaluateWhen(clause: string, context: Context): boolean {
  const tokens = clause.match(/\(|\)|&&|\|\||==|!=|!|[A-Za-z0-9_.-]+/g) ?? [];
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const next = (): string => {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`unexpected end of "${clause}"`);
    return token;
  };
  const primary = (): boolean => {
    const token = next();
    if (token === '(') {
      const value = or();
      if (next() !== ')') throw new Error(`missing ) in "${clause}"`);
      return value;
    }
    if (token === '!') return !primary();
    if (peek() === '==' || peek() === '!=') {
      const op = next();
      const right = next();
      const left = context[token];
      const equal = String(left) === right;
      return op === '==' ? equal : !equal;
    }
    return Boolean(context[token]);
  };
  const and = (): boolean => {
    let value = primary();
    while (peek() === '&&') {
      next();
      value = primary() && value;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (peek() === '||') {
      next();
      value = and() || value;
    }
    return value;
  };
  const value = or();
  if (at !== tokens.length) throw new Error(`could not read "${clause}"`);
  return value;
}

/** Of `commands`, those the command palette lists in `context` (an entry without a commandPalette clause is always listed). */
function paletteOffers(commands: string[], context: Context): string[] {
  const clauses = manifest.contributes.menus['commandPalette'] ?? [];
  return commands.filter((c) => {
    const entry = clauses.find((e) => e.command === `messageApp.${c}`);
    return evaluateWhen(entry?.when ?? 'true', { true: true, ...context });
  });
}

function titleMenu(context: Context): string[] {
  return manifest.contributes.menus['view/title']!
    .filter((e) => evaluateWhen(e.when ?? 'true', { view: 'messageApp.chat', true: true, ...context }))
    .map((e) => e.command.replace('messageApp.', ''));
}

describe('extension menus, activation and keybinding', function () {
  this.timeout(30_000);

  it('activates on start-up, so the status bar shows the state from the start', () => {
    assert.ok(manifest.activationEvents.includes('onStartupFinished'));
  });

  it('binds Focus Chat to Ctrl+Alt+M (Cmd+Alt+M on macOS)', () => {
    const binding = manifest.contributes.keybindings?.find((k) => k.command === 'messageApp.focus');
    assert.deepEqual(binding && { key: binding.key, mac: binding.mac }, { key: 'ctrl+alt+m', mac: 'cmd+alt+m' });
  });

  it('offers only Connect, Switch Room and Show Fingerprint when offline with no saved passphrase', () => {
    assert.deepEqual(titleMenu({ [STATE_KEY]: 'offline', [PASSPHRASE_KEY]: false }), ['switchRoom', 'connect', 'showFingerprint']);
    // Before the extension has set any key (the first moments of start-up): the same.
    assert.deepEqual(titleMenu({}), ['switchRoom', 'connect', 'showFingerprint']);
  });

  it('adds Disconnect when connected, Leave Room and Send Image in a room, Forget Passphrase when one is saved', () => {
    assert.deepEqual(titleMenu({ [STATE_KEY]: 'connected' }), ['switchRoom', 'connect', 'disconnect', 'showFingerprint']);
    assert.deepEqual(titleMenu({ [STATE_KEY]: 'inRoom', [PASSPHRASE_KEY]: true }), [
      'switchRoom',
      'sendImage',
      'sendFile',
      'connect',
      'disconnect',
      'leaveRoom',
      'showFingerprint',
      'forgetPassphrase',
      'copyInvite',
      'roomNotifications',
      'verifyFingerprint',
    ]);
    assert.deepEqual(titleMenu({ [STATE_KEY]: 'offline', [PASSPHRASE_KEY]: true }), ['switchRoom', 'connect', 'showFingerprint', 'forgetPassphrase']);
  });

  it('offers Remove Member... and Change Passphrase (palette and "..." menu) only to an owner in a room', () => {
    const owner = ['removeMember', 'changePassphrase'];
    assert.deepEqual(paletteOffers(owner, { [STATE_KEY]: 'inRoom' }), []);
    assert.deepEqual(paletteOffers(owner, { [STATE_KEY]: 'inRoom', [OWNER_KEY]: true }), owner);
    assert.deepEqual(paletteOffers(owner, { [STATE_KEY]: 'connected', [OWNER_KEY]: true }), []);
    assert.deepEqual(titleMenu({ [STATE_KEY]: 'inRoom', [OWNER_KEY]: true }).slice(-2), owner);
    assert.ok(!titleMenu({ [STATE_KEY]: 'inRoom', [OWNER_KEY]: false }).includes('removeMember'));
  });

  it('lists Disconnect in the command palette only with a connection, Leave Room and Copy Invite only in a room; Connect always', () => {
    const some = ['connect', 'disconnect', 'leaveRoom', 'copyInvite'];
    assert.deepEqual(paletteOffers(some, {}), ['connect']);
    assert.deepEqual(paletteOffers(some, { [STATE_KEY]: 'offline' }), ['connect']);
    assert.deepEqual(paletteOffers(some, { [STATE_KEY]: 'connected' }), ['connect', 'disconnect']);
    assert.deepEqual(paletteOffers(some, { [STATE_KEY]: 'inRoom' }), some);
  });

  it('reads the state from the session: offline, connected, in a room', () => {
    assert.equal(menuState({ connected: false, activeRoom: 'team' }), 'offline');
    assert.equal(menuState({ connected: true, activeRoom: null }), 'connected');
    assert.equal(menuState({ connected: true, activeRoom: 'team' }), 'inRoom');
  });

  describe('against the real server', () => {
    let server: TestServer;
    let host: SessionHost;
    let keys: KeyStore;
    let rooms: WindowRooms;
    let set: Array<[string, string | boolean]>;
    let menus: MenuContext;
    const facts = (): MenuFacts => {
      const session = host.current;
      const activeRoom = session?.state.active ?? null;
      const owner = activeRoom !== null && session !== undefined && session.isOwner(activeRoom);
      return { connected: session !== undefined, activeRoom, owner, server: server.address, rooms: [...(session?.state.roomNames() ?? []), ...rooms.list()] };
    };

    before(async () => {
      server = await startServer();
    });
    beforeEach(() => {
      keys = new KeyStore(new InMemorySecretStorage());
      rooms = new WindowRooms(new InMemoryMemento());
      set = [];
      menus = new MenuContext(async (key, value) => set.push([key, value]), keys);
      host = new SessionHost({
        identity: () => keys.identity(),
        storageDir: mkdtempSync(join(tmpdir(), 'message-app-menus-')),
        memento: new InMemoryMemento(),
        // This suite's server runs with --tls off.
        tls: async () => false,
        viewVisible: () => true,
        post: () => undefined,
        onSessionEvent: () => undefined,
        onChange: () => undefined,
        onKeepTrying: () => undefined,
        log: { warn: () => undefined },
        client: { createKdf: FAST_KDF, kdfFloor: FAST_KDF },
      });
    });
    afterEach(async () => {
      await host.close();
    });
    after(async () => {
      await server?.stop();
    });

    it('sets the keys as the user connects, joins, leaves and forgets, each only when it changes', async () => {
      await menus.refresh(facts());
      assert.deepEqual(set, [[STATE_KEY, 'offline'], [OWNER_KEY, false], [PASSPHRASE_KEY, false]]);
      const session = await host.ensure(server.address, 'Nia');
      await menus.refresh(facts());
      assert.equal(menus.get(STATE_KEY), 'connected');
      await session.join('menu-room', 'menu words', { create: true });
      await keys.storePassphrase(server.address, 'menu-room', 'menu words');
      rooms.remember('menu-room');
      await menus.refresh(facts());
      assert.equal(menus.get(STATE_KEY), 'inRoom');
      assert.equal(menus.get(PASSPHRASE_KEY), true);
      assert.equal(menus.get(OWNER_KEY), true, 'the creator owns the room');
      const before = set.length;
      await menus.refresh(facts());
      assert.equal(set.length, before, 'nothing set again when nothing changed');

      await keys.forgetPassphrase(server.address, 'menu-room');
      menus.secretsChanged();
      await menus.refresh(facts());
      assert.equal(menus.get(PASSPHRASE_KEY), false, 'Forget Passphrase goes once nothing is saved');
      await host.disconnect();
      await menus.refresh(facts());
      assert.equal(menus.get(STATE_KEY), 'offline', 'Disconnect and Leave Room go after Disconnect');
      assert.equal(menus.get(OWNER_KEY), false, 'no room, no owner commands');
    });

    it('leaves the room only after the user confirms, and forgets it for this window', async () => {
      const session = await host.ensure(server.address, 'Oli');
      await session.join('menu-leave', 'leave words', { create: true });
      rooms.remember('menu-leave');
      const asked: string[] = [];
      assert.equal(await leaveActiveRoom({ session, rooms, confirm: async (room) => (asked.push(room), false) }), 'kept');
      assert.deepEqual(session.state.roomNames(), ['menu-leave'], 'a "no" keeps the room');
      assert.equal(await leaveActiveRoom({ session, rooms, confirm: async (room) => (asked.push(room), true) }), 'left');
      assert.deepEqual(asked, ['menu-leave', 'menu-leave']);
      assert.deepEqual(session.state.roomNames(), []);
      assert.deepEqual(rooms.list(), []);
      assert.equal(await leaveActiveRoom({ session, rooms, confirm: async () => assert.fail('nothing to ask') }), 'no room');
      assert.equal(await leaveActiveRoom({ session: undefined, rooms, confirm: async () => assert.fail('nothing to ask') }), 'no room');
    });
  });
});
