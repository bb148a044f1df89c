// ChatClient on Node 20 (the VS Code extension host's runtime) against the real server:
// sockets, crypto and reconnects behave as on Bun.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startServer } from '../support/server';
import { makeClient, sharedServer } from './helpers';

describe('ChatClient on Node', function () {
  this.timeout(60_000);
  const shared = sharedServer({ beforeAll: before, afterAll: after });

  it('exchanges text both ways and resends its outbox after a server restart', async () => {
    const ada = shared.track(makeClient(shared.server.address, 'Ada'));
    const bob = shared.track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom('node-room', 'pw', { create: true });
    await bob.client.joinRoom('node-room', 'pw');
    await ada.client.sendText('node-room', 'from ada');
    await bob.waitFor(() => bob.texts('node-room').length === 1, 10_000, 'at bob');
    await bob.client.sendText('node-room', 'from bob');
    await ada.waitFor(() => ada.texts('node-room').length === 1, 10_000, 'at ada');

    await shared.server.kill();
    await ada.waitFor((e) => e.some((x) => x.type === 'state' && x.state === 'reconnecting'), 10_000, 'reconnecting');
    await ada.client.sendText('node-room', 'while down');
    await shared.server.restart();
    await bob.waitFor(() => bob.texts('node-room').length === 2, 20_000, 'resent');
    assert.deepEqual(bob.texts('node-room'), ['from ada', 'while down']);
    assert.deepEqual(ada.texts('node-room'), ['from bob']);
    const item = bob.items('node-room')[1];
    assert.equal(item?.kind === 'text' && item.from.fingerprint, ada.identity.fingerprint);
  });

  it('talks over TLS with a trusted test certificate', async () => {
    const fixtures = join(REPO_ROOT, 'test', 'client', 'fixtures');
    const tlsServer = await startServer({ args: ['--tls-cert', join(fixtures, 'tls-cert.pem'), '--tls-key', join(fixtures, 'tls-key.pem')] });
    try {
      const ca = readFileSync(join(fixtures, 'tls-cert.pem'), 'utf8');
      const ada = shared.track(makeClient(tlsServer.address, 'Ada', { tls: { ca } }));
      const bob = shared.track(makeClient(tlsServer.address, 'Bob', { tls: { ca } }));
      await ada.client.connect();
      await bob.client.connect();
      await ada.client.joinRoom('node-tls', 'pw', { create: true });
      await bob.client.joinRoom('node-tls', 'pw');
      await bob.client.sendText('node-tls', 'tls on node');
      await ada.waitFor(() => ada.texts('node-tls').length === 1, 10_000, 'tls message');
      assert.deepEqual(ada.texts('node-tls'), ['tls on node']);
    } finally {
      await tlsServer.stop();
    }
  });
});
