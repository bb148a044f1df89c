// The room line of a rotation (PROTOCOL.md 12.5) as an item in the room's timeline, against the real server:
// at the believed grant's id for the owner, a live member, a member offline during the rotation and a
// newcomer; no line for a grant of a rotation that did not win (a non-owner's, refused by the server).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { toCliJson, toViewItem, type LineItem, type RoomItem } from '../../client/kinds/index';
import { sharedServer } from './helpers';
import { epochMembers, type Member } from './epoch-members';

const shared = sharedServer({ beforeAll, afterAll });
const PASS = 'correct horse battery staple room line';
let counter = 0;
const roomName = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

const { member, joined, seesMembers } = epochMembers(shared);

const lines = (items: readonly RoomItem[]): LineItem[] => items.flatMap((i) => (i.kind === 'line' ? [i] : []));

/** The room lines a member got as `message` events (live and in its first join's history). */
async function lineArrives(m: Member, room: string): Promise<LineItem[]> {
  await m.t.waitFor(() => lines(m.t.items(room)).length > 0, 10_000, 'a room line');
  return lines(m.t.items(room));
}

describe('the room line in the timeline (real server)', () => {
  test('Ada removes Carol: one line "Ada removed Carol" at the grant for Ada, Bob, offline Dave and newcomer Erin; none for Carol\'s refused rotation', async () => {
    const room = roomName('line-remove');
    const ada = member('Ada');
    const bob = member('Bob');
    const carol = member('Carol');
    const dave = member('Dave');
    await joined(ada, room, PASS, true);
    await joined(bob, room, PASS);
    await joined(carol, room, PASS);
    await joined(dave, room, PASS);
    await seesMembers(ada, room, 4);
    await seesMembers(bob, room, 4);

    // Carol is no owner: her grant is stored, then her `rotate` refused. That grant must never give a line.
    await expect(carol.t.client.rotate(room, { remove: ['Bob'] })).rejects.toMatchObject({ code: 'forbidden' });
    dave.t.client.close();

    const result = await ada.t.client.rotate(room, { remove: ['Carol'] });
    const grantId = result.grant.id;
    expect(grantId).toBeGreaterThan(0);

    // Ada, who rotated, gets the line at her own grant's place.
    const atAda = await lineArrives(ada, room);
    expect(atAda).toHaveLength(1);
    expect(atAda[0]).toMatchObject({ id: grantId, ts: result.grant.ts, cid: result.grant.body.cid, epoch: 1, removed: ['Carol'] });
    expect(atAda[0]?.by.name).toBe('Ada');
    expect(toViewItem(atAda[0]!)).toEqual({ kind: 'line', id: grantId, cid: result.grant.body.cid, ts: result.grant.ts, by: { name: 'Ada', fingerprint: ada.t.client.fingerprint }, removed: ['Carol'] });

    // Bob, online, gets the same line once he believes the rotation.
    const atBob = await lineArrives(bob, room);
    expect(atBob.map((l) => [l.id, l.by.name, l.removed])).toEqual([[grantId, 'Ada', ['Carol']]]);
    expect(toCliJson(atBob[0]!)).toMatchObject({ kind: 'room-line', id: grantId, epoch: 1, by: 'Ada', removed: ['Carol'], text: 'Ada removed Carol' });
    // And in a history page (once Bob joined again at epoch 1), at its place, still only one (Carol's grant gives none).
    const lineAt = bob.t.events.findIndex((e) => e.type === 'message' && e.item.kind === 'line');
    await bob.t.waitFor((e) => e.some((x, i) => i > lineAt && x.type === 'room' && x.room === room && x.state === 'joined'), 10_000, 'Bob rejoined');
    const bobPage = (await bob.t.client.fetchHistory(room, { after: 0, limit: 200 })).messages;
    expect(lines(bobPage).map((l) => l.id)).toEqual([grantId]);

    // Dave, offline during the rotation, comes back with the old passphrase and sees the line in history.
    const dave2 = member('Dave', dave.identity, dave.store);
    await joined(dave2, room, PASS);
    expect(dave2.t.client.epochOf(room)).toBe(1);
    expect((await lineArrives(dave2, room)).map((l) => [l.id, l.by.name, l.removed])).toEqual([[grantId, 'Ada', ['Carol']]]);

    // Erin, a newcomer with the new passphrase, sees it too (the grant opens with the back-linked epoch 0 key).
    const erin = member('Erin');
    await joined(erin, room, result.passphrase);
    expect((await lineArrives(erin, room)).map((l) => [l.id, l.by.name, l.removed])).toEqual([[grantId, 'Ada', ['Carol']]]);
    const erinPage = (await erin.t.client.fetchHistory(room, { after: 0, limit: 200 })).messages;
    expect(lines(erinPage).map((l) => l.id)).toEqual([grantId]);
  }, 60_000);

  test('Change Passphrase: "Ada changed the passphrase" at Ada and Bob', async () => {
    const room = roomName('line-change');
    const ada = member('Ada');
    const bob = member('Bob');
    await joined(ada, room, PASS, true);
    await joined(bob, room, PASS);
    await seesMembers(ada, room, 2);
    const result = await ada.t.client.rotate(room);
    expect(result.removed).toEqual([]);
    for (const m of [ada, bob]) {
      const got = await lineArrives(m, room);
      expect(got.map((l) => [l.id, l.removed])).toEqual([[result.grant.id, []]]);
      expect(toCliJson(got[0]!)).toMatchObject({ kind: 'room-line', by: 'Ada', removed: [], text: 'Ada changed the passphrase' });
    }
  }, 60_000);
});
