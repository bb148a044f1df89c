// Sealing and opening a room's envelopes under its epochs (PROTOCOL.md 12.6), and noting the section 12 bodies found in them.

import type { StoredMessage } from '../../protocol/frames';
import { envelopeEpoch } from '../../protocol/epoch-header';
import { openEnvelope, openPlaintext, sealPlaintext, signBody } from '../envelope';
import { EPOCH_KINDS, encodeEpochBody, guardEpochBody, type EpochBody } from '../epochs/bodies';
import { openV2Plaintext, sealV2Plaintext } from '../epochs/envelope-v2';
import { ClientError } from '../errors';
import { concatBytes, type Identity } from '../keys';
import type { Outbox } from '../outbox';
import type { RoomSync } from './sync';

/** Signs body bytes and seals them under the room's pinned epoch: v1 for epoch 0, v2 after (section 12.6). */
export function sealFor(identity: Identity, sync: RoomSync, bodyBytes: Uint8Array): Uint8Array {
  return sealPlain(sync, concatBytes(signBody(identity, sync.name, bodyBytes), bodyBytes));
}

export function sealPlain(sync: RoomSync, plaintext: Uint8Array): Uint8Array {
  const epoch = sync.epochs.pinned;
  const key = sync.epochs.keyOf(epoch) ?? sync.keys?.encKey;
  if (!key) throw new ClientError('not_joined', `Join room "${sync.name}" before sending to it.`, sync.name);
  return epoch === 0 ? sealPlaintext(sync.name, key, plaintext) : sealV2Plaintext(sync.name, epoch, key, plaintext);
}

/** A section 12 body (keys, grant, owner) signed and sealed under the pinned epoch, ready for a `send`. */
export function sealEpochBody(identity: Identity, sync: RoomSync, body: EpochBody): Uint8Array {
  return sealFor(identity, sync, encodeEpochBody(body));
}

/** Decrypts with the key of the epoch the envelope's header names (section 12.6). */
export function decryptor(sync: RoomSync): (env: Uint8Array) => Uint8Array | null {
  const room = sync.name;
  return (env) => {
    if (env[0] === 0x02) return openV2Plaintext(room, env, (epoch) => sync.epochs.keyOf(epoch));
    const key = sync.epochs.keyOf(0) ?? (sync.epochs.pinned === 0 ? sync.keys?.encKey : undefined);
    return key ? openPlaintext(room, key, env) : null;
  };
}

/**
 * Opens stored messages only to note their section 12 bodies (newest first: links open older epochs).
 * `linksOnly`: just the version 2 envelopes, where back-links are (before a page is shown; its other
 * epoch bodies are noted as the page is opened).
 */
export function scan(sync: RoomSync, msgs: readonly StoredMessage[], linksOnly = false): void {
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (!m || m.deleted || (linksOnly && m.env[0] !== 0x02)) continue;
    const opened = openEnvelope({ room: sync.name, encKey: new Uint8Array(32), decrypt: decryptor(sync), cid: m.cid, env: m.env });
    if (!opened.ok && opened.reason === 'modifier') noteEpochBody(sync, opened, m.id, m.ts);
  }
}

/** A verified modifier of a section 12 kind: into the room's epoch state. */
export function noteEpochBody(sync: RoomSync, opened: Extract<ReturnType<typeof openEnvelope>, { reason: 'modifier' }>, id: number, ts: number): EpochBody | null {
  const fields = opened.fields;
  if (!EPOCH_KINDS.includes(opened.k) || !fields || opened.ts === undefined || typeof fields.cid !== 'string') return null;
  const body = guardEpochBody(fields, { cid: fields.cid, ts: opened.ts, from: opened.from });
  if (!body) return null;
  sync.epochs.note(body, id, ts);
  return body;
}

/** Seals outbox entries of an older epoch again under the pinned one (same signed body, same cid). */
export async function resealOutbox(sync: RoomSync, outbox: Outbox, log: (line: string) => void): Promise<void> {
  const pinned = sync.epochs.pinned;
  const open = decryptor(sync);
  await outbox.reseal(sync.name, (entry) => {
    const epoch = envelopeEpoch(entry.env);
    if (epoch === null || epoch >= pinned) return null;
    const plaintext = open(entry.env);
    if (!plaintext) {
      log(`outbox entry ${entry.cid} of ${sync.name} cannot be opened to reseal it`);
      return null;
    }
    return sealPlain(sync, plaintext);
  });
}
