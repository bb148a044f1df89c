// Members of a room with per-user keys (PROTOCOL.md section 12) for the client tests against the shared
// server: each with its own identity and epoch key store, so a later client of the same person can take over.

import { MemoryEpochKeyStore } from '../../client/epochs/store';
import { generateIdentity, type Identity } from '../../client/keys';
import { makeClient, type SharedServer, type TestClient } from './helpers';

export interface Member {
  t: TestClient;
  identity: Identity;
  store: MemoryEpochKeyStore;
}

export function epochMembers(shared: SharedServer): {
  member(name: string, identity?: Identity, store?: MemoryEpochKeyStore): Member;
  joined(m: Member, room: string, passphrase: string, create?: boolean): Promise<void>;
  seesMembers(m: Member, room: string, count: number): Promise<void>;
} {
  return {
    member(name, identity = generateIdentity(), store = new MemoryEpochKeyStore()) {
      const t = shared.track(makeClient(shared.server.address, name, { identity, epochKeys: store }));
      return { t, identity, store };
    },
    async joined(m, room, passphrase, create = false) {
      await m.t.client.connect();
      await m.t.client.joinRoom(room, passphrase, { create });
    },
    /** Waits until `m` has seen the `keys` bodies of `count` members (announcements are posted on join). */
    async seesMembers(m, room, count) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const members = await m.t.client.members(room);
        if (members.length >= count) return;
        if (Date.now() > deadline) throw new Error(`only ${members.length} members announced`);
        await Bun.sleep(50);
      }
    },
  };
}
