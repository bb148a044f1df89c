// Section 12's epoch keys in SecretStorage (extension/epoch-key-store.ts): kept per server and room,
// read back byte for byte, a damaged secret reads as none, and never confused with a passphrase secret.

import { strict as assert } from 'node:assert';
import { SecretEpochKeyStore, epochsKey } from '../../extension/epoch-key-store';
import { parsePassphraseKey, isIdentityKey } from '../../extension/key-store';
import type { RoomEpochRecord } from '../../client/epochs/store';
import { InMemorySecretStorage } from './fakes';

const record: RoomEpochRecord = {
  pinned: 1,
  epochs: [
    { epoch: 0, salt: new Uint8Array(16).fill(1), kdf: { n: 32768, r: 8, p: 1 }, encKey: new Uint8Array(32).fill(2) },
    { epoch: 1, salt: new Uint8Array(16).fill(3), kdf: { n: 32768, r: 8, p: 1 }, encKey: new Uint8Array(32).fill(4), authSeed: new Uint8Array(32).fill(5) },
  ],
  announced: [0, 1],
  owners: ['ab'.repeat(32)],
};

describe('extension epoch key store (SecretStorage)', () => {
  it('keeps each room\'s epochs per server and room and reads them back byte for byte', async () => {
    const secrets = new InMemorySecretStorage();
    const store = new SecretEpochKeyStore(secrets);
    await store.set('127.0.0.1:7070', 'team', record);
    assert.deepEqual(await store.get('127.0.0.1:7070', 'team'), record);
    assert.equal(await store.get('127.0.0.1:7070', 'other'), undefined);
    assert.equal(await store.get('127.0.0.1:7071', 'team'), undefined);
    // Not a passphrase or identity secret: the secret-change handlers leave it alone.
    const key = epochsKey('127.0.0.1:7070', 'team');
    assert.equal(parsePassphraseKey(key), null);
    assert.equal(isIdentityKey(key), false);
  });

  it('reads a damaged secret as none (the next join derives from the passphrase again)', async () => {
    const secrets = new InMemorySecretStorage();
    await secrets.store(epochsKey('h:1', 'r'), '{"pinned":"one"}');
    assert.equal(await new SecretEpochKeyStore(secrets).get('h:1', 'r'), undefined);
    await secrets.store(epochsKey('h:1', 'r'), 'not json');
    assert.equal(await new SecretEpochKeyStore(secrets).get('h:1', 'r'), undefined);
  });
});
