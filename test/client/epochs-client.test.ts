// Per-user keys in the client against the real server (PROTOCOL.md section 12): remove a member, follow
// without a new passphrase, catch up after being offline, a newcomer reads all history, races, refusals.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { openPlaintext } from '../../client/envelope';
import { openV2Plaintext } from '../../client/epochs/envelope-v2';
import { MemoryEpochKeyStore, decodeEpochRecord, encodeEpochRecord } from '../../client/epochs/store';
import { ClientError } from '../../client/errors';
import { generateIdentity } from '../../client/keys';
import { envelopeEpoch } from '../../protocol/epoch-header';
import type { StoredMessage } from '../../protocol/frames';
import { MemoryOutboxStore, type OutboxEntry } from '../../client/storage';
import { makeClient, sharedServer, type TestClient } from './helpers';
import { epochMembers, type Member } from './epoch-members';
import { WireClient, roomAuth } from '../support/wire';

const shared = sharedServer({ beforeAll, afterAll });
const PASS = 'correct horse battery staple epochs';
let counter = 0;
const roomName = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

const { member, joined, seesMembers } = epochMembers(shared);

/** Polls a condition no event announces. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

function textArrived(m: Member, room: string, text: string): Promise<void> {
  return m.t.waitFor(() => m.t.texts(room).includes(text), 10_000, `"${text}" at a member`);
}

async function rejects(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** The raw stored messages of a room, read over a plain wire connection with the room's current passphrase. */
async function rawHistory(room: string, passphrase: string): Promise<StoredMessage[]> {
  const wire = await WireClient.connect(shared.server);
  try {
    wire.send({ t: 'room', room });
    const info = await wire.next('room', (f) => f.room === room);
    if (!info.salt || !info.kdf) throw new Error('no such room');
    await wire.join(roomAuth(room, passphrase, info.salt, info.kdf));
    return (await wire.history(room, { after: 0, limit: 200 })).msgs;
  } finally {
    wire.close();
  }
}

describe('per-user keys in the client (real server)', () => {
  test('Ada removes Carol: Bob follows without a new passphrase, Carol cannot join or open, offline Dave catches up, a newcomer reads everything', async () => {
    const room = roomName('remove');
    const ada = member('Ada');
    const bob = member('Bob');
    const carol = member('Carol');
    const dave = member('Dave');
    await joined(ada, room, PASS, true);
    await joined(bob, room, PASS);
    await joined(carol, room, PASS);
    await joined(dave, room, PASS);
    await ada.t.client.sendText(room, 'before the removal');
    await textArrived(bob, room, 'before the removal');
    await seesMembers(ada, room, 4);
    expect(ada.t.client.isOwner(room)).toBe(true);

    // Carol knows the passphrase but is no owner: the server refuses her rotation.
    const refused = await rejects(carol.t.client.rotate(room, { remove: ['Bob'] }));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toContain('Only an owner');

    // Dave goes offline before the rotation.
    dave.t.client.close();

    const result = await ada.t.client.rotate(room, { remove: ['Carol'] });
    expect(result.epoch).toBe(1);
    expect(result.removed.map((r) => r.name)).toEqual(['Carol']);
    expect(result.passphrase.split(' ')).toHaveLength(6);

    // Bob follows: the room line, then Ada's next message, with no passphrase typed.
    await bob.t.waitFor((e) => e.some((x) => x.type === 'epoch' && x.room === room && x.epoch === 1), 10_000, 'epoch event at Bob');
    const line = bob.t.events.find((x) => x.type === 'epoch');
    expect(line).toMatchObject({ by: 'Ada', removed: ['Carol'], own: false });
    await bob.t.waitFor((e) => e.some((x) => x.type === 'room' && x.room === room && x.state === 'joined' && e.indexOf(x) > e.indexOf(line as never)), 10_000, 'Bob rejoined');
    const secretCid = await ada.t.client.sendText(room, 'after the removal');
    await textArrived(bob, room, 'after the removal');
    expect(bob.t.client.epochOf(room)).toBe(1);
    await bob.t.client.sendText(room, 'bob in epoch 1');
    await textArrived(ada, room, 'bob in epoch 1');

    // Carol's live client lost the room with a sentence, not a crash.
    await carol.t.waitFor((e) => e.some((x) => x.type === 'room' && x.room === room && x.state === 'failed'), 10_000, 'Carol failed');
    expect(carol.t.events.some((x) => x.type === 'error' && x.code === 'bad_proof' && /removed/.test(x.message))).toBe(true);
    // A fresh client of Carol's with the old passphrase and her stored keys cannot join.
    const carol2 = member('Carol', carol.identity, carol.store);
    const removed = await rejects(joined(carol2, room, PASS));
    expect(removed.code).toBe('bad_proof');
    expect(removed.message).toContain('no new key was left for you');
    // Handed the bytes of Ada's new envelope, none of Carol's keys opens it.
    const raw = await rawHistory(room, result.passphrase);
    const newest = raw.find((m) => m.cid === secretCid);
    expect(newest && envelopeEpoch(newest.env)).toBe(1);
    const carolRecord = await carol.store.get(shared.server.address, room);
    expect(carolRecord?.epochs.map((e) => e.epoch)).toEqual([0]);
    for (const e of carolRecord?.epochs ?? []) {
      const env = newest?.env ?? new Uint8Array();
      expect(openV2Plaintext(room, env, () => e.encKey)).toBeNull();
      expect(openPlaintext(room, e.encKey, env)).toBeNull();
    }

    // Dave, offline during the rotation, comes back with the old passphrase and catches up through his grant.
    const dave2 = member('Dave', dave.identity, dave.store);
    await joined(dave2, room, PASS);
    expect(dave2.t.client.epochOf(room)).toBe(1);
    await dave2.t.client.sendText(room, 'dave is back');
    await textArrived(ada, room, 'dave is back');
    expect((await dave2.t.client.fetchHistory(room, { after: 0, limit: 200 })).messages.flatMap((i) => (i.kind === 'text' ? [i.text] : []))).toContain('after the removal');

    // A newcomer with the new passphrase reads the whole history, epoch 0 included, through the back-link.
    const erin = member('Erin');
    await joined(erin, room, result.passphrase);
    const all = (await erin.t.client.fetchHistory(room, { after: 0, limit: 200 })).messages;
    expect(all.flatMap((i) => (i.kind === 'text' ? [i.text] : []))).toEqual(['before the removal', 'after the removal', 'bob in epoch 1', 'dave is back']);
    expect(all.some((i) => i.kind === 'placeholder')).toBe(false);
    // And a newcomer with the old passphrase is refused like a wrong one.
    const late = member('Late');
    expect((await rejects(joined(late, room, PASS))).code).toBe('bad_proof');
  }, 60_000);

  test('two owners rotate at once: one wins, the other is told, and the room stays one room', async () => {
    const room = roomName('race');
    const ada = member('Ada');
    const bob = member('Bob');
    await joined(ada, room, PASS, true);
    await joined(bob, room, PASS);
    await seesMembers(ada, room, 2);
    const added = await ada.t.client.addOwner(room, 'Bob');
    expect(added.owner).toBe(true);
    // Bob's client learns it from Ada's `owner` body (12.3).
    await until(() => bob.t.client.isOwner(room), 'Bob knows he is an owner');
    const outcomes = await Promise.allSettled([ada.t.client.rotate(room), bob.t.client.rotate(room)]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]?.reason as ClientError).code).toBe('stale_epoch');
    // The loser follows the winner's epoch; both talk at epoch 1.
    const loser = outcomes[0]?.status === 'rejected' ? ada : bob;
    const winner = loser === ada ? bob : ada;
    await until(() => loser.t.client.epochOf(room) === 1, 'loser at epoch 1');
    await loser.t.waitFor((e) => e.filter((x) => x.type === 'room' && x.state === 'joined').length >= 2, 10_000, 'loser rejoined');
    await winner.t.client.sendText(room, 'from the winner');
    await textArrived(loser, room, 'from the winner');
    await loser.t.client.sendText(room, 'from the loser');
    await textArrived(winner, room, 'from the loser');
    // Typing signals go under the new epoch too (the server drops other epochs' signals).
    expect(winner.t.client.sendTyping(room)).toBe(true);
    await loser.t.waitFor((e) => e.some((x) => x.type === 'typing' && x.room === room), 10_000, 'typing after the rotation');
  }, 60_000);

  test('a message sealed under the old epoch is refused as stale, kept, sealed again and delivered', async () => {
    const room = roomName('reseal');
    const ada = member('Ada');
    const store = new HeldStore();
    const bob: Member = { identity: generateIdentity(), store: new MemoryEpochKeyStore(), t: undefined as unknown as TestClient };
    bob.t = shared.track(makeClient(shared.server.address, 'Bob', { identity: bob.identity, outbox: store, epochKeys: bob.store }));
    await joined(ada, room, PASS, true);
    await joined(bob, room, PASS);
    await seesMembers(ada, room, 2);
    // Sealed now under epoch 0; its outbox write (and so its send) waits until the rotation is done.
    store.holdNext = true;
    const sent = bob.t.client.sendText(room, 'sealed before the rotation');
    const rotation = await ada.t.client.rotate(room);
    await until(() => bob.t.client.epochOf(room) === 1, 'Bob at epoch 1');
    store.release();
    const cid = await sent;
    await textArrived(ada, room, 'sealed before the rotation');
    const stored = (await rawHistory(room, rotation.passphrase)).find((m) => m.cid === cid);
    expect(stored && envelopeEpoch(stored.env)).toBe(1);
  }, 60_000);

  test('a server that names an older epoch than the pinned one is refused with a sentence, and damaged key records read as none', async () => {
    const room = roomName('pin');
    const ada = member('Ada');
    await joined(ada, room, PASS, true);
    const rotation = await ada.t.client.rotate(room);
    ada.t.client.close();
    // As if this client had already joined epoch 2 and the server now answered epoch 1 (a replay of old keys).
    const record = await ada.store.get(shared.server.address, room);
    if (!record) throw new Error('no record kept');
    expect(record.pinned).toBe(1);
    expect(record.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    await ada.store.set(shared.server.address, room, { ...record, pinned: 2 });
    const again = member('Ada', ada.identity, ada.store);
    const refused = await rejects(joined(again, room, rotation.passphrase));
    expect(refused.code).toBe('room_params_changed');
    expect(refused.message).toContain('went back to an older key');
    expect(decodeEpochRecord('{"pinned":1,"epochs":[{"epoch":0,"salt":"AA==","kdf":{"n":1,"r":1,"p":1},"encKey":"AA=="}],"announced":[],"owners":[]}')).toBeUndefined();
    expect(decodeEpochRecord('not json')).toBeUndefined();
    expect(decodeEpochRecord(encodeEpochRecord(record))).toEqual(record);
  }, 60_000);
});

/** An outbox store that holds back one write until released (the message is sealed, not yet sent). */
class HeldStore extends MemoryOutboxStore {
  holdNext = false;
  private held: (() => void) | undefined;
  override async add(entry: OutboxEntry): Promise<void> {
    if (this.holdNext) {
      this.holdNext = false;
      await new Promise<void>((resolve) => (this.held = resolve));
    }
    return super.add(entry);
  }
  release(): void {
    this.held?.();
  }
}
