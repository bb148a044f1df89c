// KeyStore over an in-memory SecretStorage: the identity is made once and kept,
// passphrases are kept per server and room, and forgetting removes only one.

import { strict as assert } from 'node:assert';
import { isIdentityKey, KeyStore, parsePassphraseKey, passphraseKey } from '../../extension/key-store';
import { InMemorySecretStorage } from './fakes';
import { SecretEpochKeyStore } from '../../extension/epoch-key-store';

describe('extension key store (SecretStorage)', () => {
  it('makes the identity once and returns the same key afterwards, also to another KeyStore on the same secrets', async () => {
    const secrets = new InMemorySecretStorage();
    const first = await new KeyStore(secrets).identity();
    const again = await new KeyStore(secrets).identity();
    assert.deepEqual(again.publicKey, first.publicKey);
    assert.match(first.fingerprint, /^([A-Z2-7]{4} ){5}[A-Z2-7]{4}$/);
    assert.equal(secrets.values.size, 1);
  });

  it('keeps the identity seed only as a secret, never the passphrase next to it', async () => {
    const secrets = new InMemorySecretStorage();
    const keys = new KeyStore(secrets);
    await keys.identity();
    await keys.storePassphrase('127.0.0.1:7070', 'team', 'correct horse');
    const stored = [...secrets.values.keys()];
    assert.equal(stored.filter(isIdentityKey).length, 1);
    assert.deepEqual(stored.map(parsePassphraseKey).filter(Boolean), [{ server: '127.0.0.1:7070', room: 'team' }]);
  });

  it('replaces a damaged identity secret with a new key instead of failing', async () => {
    const secrets = new InMemorySecretStorage();
    const keys = new KeyStore(secrets);
    const original = await keys.identity();
    const key = [...secrets.values.keys()][0]!;
    await secrets.store(key, 'not base64 of 32 bytes');
    const replaced = await keys.identity();
    assert.notDeepEqual(replaced.publicKey, original.publicKey);
    assert.deepEqual((await keys.identity()).publicKey, replaced.publicKey);
  });

  it('keeps passphrases per server and room, and forgets exactly one (with its epoch keys)', async () => {
    const secrets = new InMemorySecretStorage();
    const keys = new KeyStore(secrets);
    const epochs = new SecretEpochKeyStore(secrets);
    const record = { pinned: 1, epochs: [{ epoch: 1, salt: new Uint8Array(16), kdf: { n: 16384, r: 8, p: 1 }, encKey: new Uint8Array(32).fill(7) }], announced: [1], owners: [] };
    await epochs.set('a:1', 'team', record);
    await epochs.set('a:1', 'ops', record);
    await keys.storePassphrase('a:1', 'team', 'one');
    await keys.storePassphrase('b:2', 'team', 'two');
    await keys.storePassphrase('a:1', 'ops', 'three');
    assert.equal(await keys.passphrase('a:1', 'team'), 'one');
    assert.equal(await keys.passphrase('b:2', 'team'), 'two');
    await keys.forgetPassphrase('a:1', 'team');
    assert.equal(await keys.passphrase('a:1', 'team'), undefined);
    assert.equal(await epochs.get('a:1', 'team'), undefined, 'the epoch keys go with the passphrase');
    assert.equal((await epochs.get('a:1', 'ops'))?.pinned, 1);
    assert.equal(await keys.passphrase('b:2', 'team'), 'two');
    assert.equal(await keys.passphrase('a:1', 'ops'), 'three');
  });

  it('reads back server and room from a secret key, even for IPv6 addresses', () => {
    assert.deepEqual(parsePassphraseKey(passphraseKey('[::1]:7070', 'a.b-c')), { server: '[::1]:7070', room: 'a.b-c' });
    assert.equal(parsePassphraseKey('someone.else/key'), null);
  });
});
