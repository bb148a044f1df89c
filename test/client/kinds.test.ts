// Message kinds: the registry (every kind has every part), the unknown-kind vectors
// (PROTOCOL.md section 4: a message becomes a placeholder, a modifier is ignored),
// and the same rule end to end through a real server.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody } from '../../protocol/codec';
import { parseServerFrame } from '../../protocol/frames';
import { isViewItem } from '../../protocol/webview';
import { openEnvelope, sealEnvelope } from '../../client/envelope';
import { serverErrorSentence, ServerError } from '../../client/errors';
import { deriveRoomKeys, generateIdentity, joinProof } from '../../client/keys';
import { KINDS, previewText, toCliJson, toViewItem, type Body, type ShownItem } from '../../client/kinds/index';
import { buildKindVectors, sealRawBody, unknownKindBody, type KindVectors } from '../support/kinds-vectors';
import { makeClient, sharedServer, TEST_KDF } from './helpers';
import { WireClient } from '../support/wire';

const shared = sharedServer({ beforeAll, afterAll });
const { track } = shared;

const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
/** The vector JSON with hex strings where the body has bytes (from.key, rel.key) turned back into bytes. */
function jsonBody(body: Record<string, unknown>): unknown {
  const revive = (v: unknown, key: string): unknown => {
    if (key === 'key' && typeof v === 'string') return unhex(v);
    if (Array.isArray(v)) return v.map((x) => revive(x, ''));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x, k)]));
    return v;
  };
  return revive(body, '');
}

function loadKindVectors(): KindVectors {
  return JSON.parse(readFileSync(join(process.cwd(), 'test/vectors/protocol-v1-kinds.json'), 'utf8')) as KindVectors;
}

describe('kind vectors (test/vectors/protocol-v1-kinds.json)', () => {
  const v = loadKindVectors();

  test('the committed file is what the generator builds (nothing edited by hand)', () => {
    expect(buildKindVectors()).toEqual(v);
  });

  test('covers both rules: a placeholder and an ignored modifier', () => {
    const expects = v.cases.map((c) => c.expect);
    expect(expects).toContain('placeholder_unsupported');
    expect(expects).toContain('ignored');
  });

  for (const c of v.cases) {
    test(`${c.expect}: ${c.about}`, () => {
      expect(decodeBody(unhex(c.body_msgpack))).toEqual(jsonBody(c.body) as Record<string, unknown>);
      expect(unhex(c.env).subarray(1, 13)).toEqual(unhex(c.nonce));
      const opened = openEnvelope({ room: v.room, encKey: unhex(v.enc_key), cid: String(c.body.cid), env: unhex(c.env) });
      switch (c.expect) {
        case 'placeholder_unsupported':
          expect(opened).toMatchObject({ ok: false, reason: 'unsupported' });
          return;
        case 'ignored':
          expect(opened).toMatchObject({ ok: false, reason: 'modifier', k: c.body.k });
          if (!opened.ok && opened.reason === 'modifier') expect(opened.from.key).toEqual(unhex(v.identity_pub));
          return;
        case 'text':
          expect(opened.ok).toBe(true);
          if (opened.ok) {
            expect(opened.body.k).toBe('text');
            expect(opened.body).not.toHaveProperty('rel');
          }
          return;
      }
    });
  }

  test('a tampered modifier is not ignored quietly: it fails like any tampered envelope (undecryptable)', () => {
    const c = v.cases.find((x) => x.expect === 'ignored');
    if (!c) throw new Error('no modifier vector');
    const env = unhex(c.env);
    env[20] = (env[20] ?? 0) ^ 1;
    expect(openEnvelope({ room: v.room, encKey: unhex(v.enc_key), cid: String(c.body.cid), env })).toEqual({ ok: false, reason: 'undecryptable' });
  });
});

describe('kind registry', () => {
  const me = generateIdentity();
  const from = { name: 'Ada', key: me.publicKey };
  const samples: { [K in keyof typeof KINDS]: Extract<Body, { k: K }> } = {
    text: { cid: 'textAAAAAAAAAAAAAAAAAA', ts: 1, from, k: 'text', text: 'hi\nthere' },
    image: { cid: 'imageAAAAAAAAAAAAAAAAA', ts: 2, from, k: 'image', mime: 'image/png', w: 3, h: 4, data: new Uint8Array([1, 2, 3]), name: 'a.png' },
    code: { cid: 'codeAAAAAAAAAAAAAAAAAA', ts: 3, from, k: 'code', lang: 'typescript', path: 'src/app.ts', start: 12, end: 13, text: 'const a = 1;\nconst b = 2;' },
    file: {
      cid: 'fileAAAAAAAAAAAAAAAAAA',
      ts: 3,
      from,
      k: 'file',
      blob: 'AAECAwQFBgcICQoLDA0ODw',
      key: new Uint8Array(32).fill(7),
      chunk: 65536,
      size: 5,
      sha256: new Uint8Array(32).fill(9),
      name: 'notes.txt',
      mime: 'text/plain',
    },
    reply: { cid: 'replyAAAAAAAAAAAAAAAAA', ts: 3, from, k: 'reply', to: 7, text: 'yes\nindeed' },
  };

  test('every registry entry is filed under its own kind name', () => {
    for (const [name, kind] of Object.entries(KINDS)) expect(kind.k).toBe(name as typeof kind.k);
    expect(Object.keys(samples).sort()).toEqual(Object.keys(KINDS).sort());
  });

  for (const body of Object.values(samples)) {
    test(`${body.k}: seal and open give back the same body, and its item, view item, preview and CLI line`, () => {
      const encKey = new Uint8Array(32).fill(3);
      const env = sealEnvelope({ room: 'kinds', encKey, identity: me, body });
      const opened = openEnvelope({ room: 'kinds', encKey, cid: body.cid, env });
      if (!opened.ok) throw new Error(`did not open: ${opened.reason}`);
      expect(opened.body).toEqual(body);

      const base = { id: 9, ts: 10, cid: body.cid, from: { ...from, fingerprint: me.fingerprint }, verified: true, own: false, sentAt: body.ts };
      const item = KINDS[body.k].toItem(body as never, base, { checkImage: (i) => i, received: true }) as ShownItem | string;
      if (typeof item === 'string') throw new Error(item);
      expect(item.kind).toBe(body.k);
      const view = toViewItem(item);
      expect(view).toMatchObject({ kind: body.k, id: 9, cid: body.cid, from: { name: 'Ada', fingerprint: me.fingerprint }, pending: false });
      expect(isViewItem(view)).toBe(true);
      expect(JSON.stringify(view)).not.toContain(Buffer.from(me.publicKey).toString('hex'));
      expect(previewText(view).length).toBeGreaterThan(0);
      expect(toCliJson(item)).toMatchObject({ id: 9, kind: body.k, from: { name: 'Ada', fingerprint: me.fingerprint }, verified: true });
    });
  }

  test('the text preview is its first line, the image says what it is, the CLI image line has a hash not bytes', () => {
    const base = { id: 1, ts: 1, from: { name: 'Ada', key: me.publicKey, fingerprint: me.fingerprint }, verified: true, own: false, sentAt: 1 };
    expect(previewText(toViewItem({ ...base, cid: 'aaaaaaaaaa', kind: 'text', text: 'one\ntwo' }))).toBe('one two');
    const img = { ...base, cid: 'bbbbbbbbbb', kind: 'image' as const, image: { mime: 'image/png' as const, w: 1, h: 1, data: new Uint8Array([0]) } };
    expect(previewText(toViewItem(img))).toBe('sent an image');
    expect(toCliJson(img)).toMatchObject({ image: { bytes: 1, sha256: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d' } });
    expect(toCliJson({ kind: 'placeholder', id: 2, ts: 3, cid: 'cccccccccc', error: 'unsupported' })).toEqual({ id: 2, ts: 3, cid: 'cccccccccc', error: 'unsupported' });
  });

  test('a received image that fails its header check becomes a refusal, not an item', () => {
    const base = { id: 1, ts: 1, cid: 'dddddddddd', from: { name: 'Ada', key: me.publicKey, fingerprint: me.fingerprint }, verified: true, own: false, sentAt: 1 };
    expect(KINDS.image.toItem(samples.image, base, { checkImage: () => 'bad header', received: true })).toBe('bad header');
  });
});

describe('error code full (issue 10)', () => {
  test('an error frame with code full is accepted and reads as "out of space for this room"', () => {
    expect(parseServerFrame({ t: 'error', code: 'full', msg: 'disk', room: 'r', cid: 'abcdefghij' })).toEqual({ t: 'error', code: 'full', msg: 'disk', room: 'r', cid: 'abcdefghij' });
    expect(serverErrorSentence('full', 'r')).toContain('out of space for this room');
    expect(new ServerError('full', 'r').code).toBe('full');
  });
});

describe('unknown kinds through a real server', () => {
  test('a message of an unknown kind shows a placeholder, a modifier shows nothing, live and in history, and loading older finds nothing more', async () => {
    const ada = track(makeClient(shared.server.address, 'Ada'));
    await ada.client.connect();
    await ada.client.joinRoom('kinds', 'secret', { create: true });
    const peer = await WireClient.connect(shared.server);
    try {
      peer.send({ t: 'room', room: 'kinds' });
      const info = await peer.next('room');
      if (!info.salt || !info.kdf) throw new Error('room should exist');
      const keys = await deriveRoomKeys('secret', 'kinds', info.salt, info.kdf, { floor: TEST_KDF });
      peer.send({ t: 'join', room: 'kinds', proof: joinProof(keys, peer.challenge) });
      await peer.next('joined');
      const newer = generateIdentity();
      const bodies: [string, Record<string, unknown>][] = [
        ['pollAAAAAAAAAAAAAAAAAA', unknownKindBody(newer, 'Nova', 'pollAAAAAAAAAAAAAAAAAA', Date.now(), 'poll', { question: 'Lunch?' })],
        ['reactAAAAAAAAAAAAAAAAA', unknownKindBody(newer, 'Nova', 'reactAAAAAAAAAAAAAAAAA', Date.now(), 'reaction', { rel: { key: newer.publicKey, cid: 'pollAAAAAAAAAAAAAAAAAA' }, emoji: '👍' })],
        ['textAAAAAAAAAAAAAAAAAA', unknownKindBody(newer, 'Nova', 'textAAAAAAAAAAAAAAAAAA', Date.now(), 'text', { text: 'after' })],
      ];
      for (const [cid, body] of bodies) {
        peer.send({ t: 'send', room: 'kinds', cid, env: sealRawBody('kinds', keys.encKey, newer, body).env });
        await peer.next('ack');
      }
      await ada.waitFor((e) => e.some((x) => x.type === 'message' && x.item.cid === 'textAAAAAAAAAAAAAAAAAA'), 5000, 'the text after');
      const seen = ada.items('kinds').map((i) => (i.kind === 'placeholder' ? `${i.cid}:${i.error}` : `${i.cid}:${i.kind}`));
      expect(seen).toEqual(['pollAAAAAAAAAAAAAAAAAA:unsupported', 'textAAAAAAAAAAAAAAAAAA:text']);

      const page = await ada.client.fetchHistory('kinds', { limit: 10 });
      expect(page.messages.map((i) => i.cid)).toEqual(['pollAAAAAAAAAAAAAAAAAA', 'textAAAAAAAAAAAAAAAAAA']);
      const older = await ada.client.loadOlder('kinds');
      expect(older.messages).toEqual([]);
      expect(older.more).toBe(false);
      expect(ada.client.state).toBe('joined');
    } finally {
      peer.close();
    }
  });
});
