// Why a sender is unverified (changed key vs look-alike vs invisible) and re-pinning on Trust New Key, in the client core.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { toViewItem } from '../../client/kinds/index';
import { makeClient, sharedServer, type TestClient } from './helpers';
import { Pins, reasonLabel } from '../../client/envelope';
import { generateIdentity } from '../../client/keys';
import { pinKeyOf } from '../../client/names';
import { MemoryPinStore } from '../../client/storage';

const ada = generateIdentity().publicKey;
const other = generateIdentity().publicKey;
const CYRILLIC_ADA = '\u0410da';

describe('unverified reasons', () => {
  test('a different name whose skeleton matches a pinned one is "looks like Ada"', () => {
    const pins = new Pins();
    expect(pins.verify('r', pinKeyOf('Ada'), 'Ada', ada)).toBeNull();
    const reason = pins.verify('r', pinKeyOf(CYRILLIC_ADA), CYRILLIC_ADA, other);
    expect(reason).toEqual({ why: 'looks-like', pinned: 'Ada' });
    expect(reasonLabel(reason ?? { why: 'changed-key' })).toBe('looks like Ada');
  });

  test('the same name from another key is "changed key"', () => {
    const pins = new Pins();
    expect(pins.verify('r', pinKeyOf('Ada'), 'Ada', ada)).toBeNull();
    expect(pins.verify('r', pinKeyOf('Ada'), 'Ada', other)).toEqual({ why: 'changed-key' });
    // Ada herself still verifies: the pin never moved.
    expect(pins.verify('r', pinKeyOf('Ada'), 'Ada', ada)).toBeNull();
  });

  test('a pin from an earlier session (name unknown) says "changed key", never verified', async () => {
    const store = new MemoryPinStore();
    await store.savePin('r', pinKeyOf('Ada'), Buffer.from(ada).toString('hex'));
    const pins = new Pins(store);
    await pins.load('r');
    expect(pins.verify('r', pinKeyOf(CYRILLIC_ADA), CYRILLIC_ADA, other)).toEqual({ why: 'changed-key' });
  });

  test('the pinned name in a label is escaped', () => {
    expect(reasonLabel({ why: 'looks-like', pinned: 'Ada\u200B' })).toBe('looks like Ada\\u{200B}');
    expect(reasonLabel({ why: 'invisible' })).toBe('invisible characters in name');
  });
});

describe('trust new key (re-pin)', () => {
  test('re-pins the name to the new key, stored, and the old key becomes the changed one', async () => {
    const store = new MemoryPinStore();
    const pins = new Pins(store);
    pins.verify('r', pinKeyOf('Ada'), 'Ada', ada);
    expect(pins.pinned('r', pinKeyOf('Ada'))).toBe(Buffer.from(ada).toString('hex'));
    await pins.repin('r', pinKeyOf('Ada'), Buffer.from(other).toString('hex'));
    expect(pins.verify('r', pinKeyOf('Ada'), 'Ada', other)).toBeNull();
    expect(pins.verify('r', pinKeyOf('Ada'), 'Ada', ada)).toEqual({ why: 'changed-key' });
    // After a restart the new pin holds.
    const again = new Pins(store);
    await again.load('r');
    expect(again.verify('r', pinKeyOf('Ada'), 'Ada', other)).toBeNull();
  });
});

describe('against the real server, with three identities', () => {
  const shared = sharedServer({ beforeAll, afterAll });
  const { track } = shared;

  test('Bob sees "looks like Ada" and "changed key"; Trust New Key makes the new key verify', async () => {
    const ada = track(makeClient(shared.server.address, 'Ada'));
    const lookalike = track(makeClient(shared.server.address, CYRILLIC_ADA));
    const newAda = track(makeClient(shared.server.address, 'Ada'));
    const bob = track(makeClient(shared.server.address, 'Bob'));
    for (const c of [ada, lookalike, newAda, bob]) await c.client.connect();
    await ada.client.joinRoom('why', 'pw', { create: true });
    for (const c of [bob, lookalike, newAda]) await c.client.joinRoom('why', 'pw');
    const sends: [TestClient, string][] = [[ada, 'real'], [lookalike, 'lookalike'], [newAda, 'new key']];
    for (const [i, [c, text]] of sends.entries()) {
      await c.client.sendText('why', text);
      await bob.waitFor(() => bob.texts('why').length === i + 1, 5000, text);
    }
    const [real, fake, changed] = bob.items('why');
    expect(real).toMatchObject({ text: 'real', verified: true });
    expect(real && 'unverified' in real).toBe(false);
    expect(fake).toMatchObject({ text: 'lookalike', verified: false, unverified: { why: 'looks-like', pinned: 'Ada' } });
    expect(changed).toMatchObject({ text: 'new key', verified: false, unverified: { why: 'changed-key' } });
    if (!fake || !changed || changed.kind === 'placeholder' || changed.kind === 'line') throw new Error('items missing');
    expect(toViewItem(fake)).toMatchObject({ verified: false, why: 'looks like Ada' });
    expect(toViewItem(changed)).toMatchObject({ verified: false, why: 'changed key' });

    // Trust New Key: Bob compared both fingerprints and re-pins Ada to the new key.
    expect(bob.client.pinnedKeyOf('why', 'Ada')).toBe(Buffer.from(real?.kind === 'text' ? real.from.key : []).toString('hex'));
    await bob.client.trustNewKey('why', 'Ada', changed.from.key);
    await newAda.client.sendText('why', 'trusted now');
    await bob.waitFor(() => bob.texts('why').length === 4, 5000, 'after re-pin');
    expect(bob.items('why')[3]).toMatchObject({ text: 'trusted now', verified: true });
    // The look-alike still looks like Ada, and is never verified.
    await lookalike.client.sendText('why', 'still fake');
    await bob.waitFor(() => bob.texts('why').length === 5, 5000, 'look-alike again');
    expect(bob.items('why')[4]).toMatchObject({ verified: false, unverified: { why: 'looks-like', pinned: 'Ada' } });
  });
});
