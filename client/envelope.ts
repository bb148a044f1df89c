// Envelopes (PROTOCOL.md section 4): the signed MessagePack body inside AES-256-GCM,
// sealing and opening (which never throws), plus dedupe and per-room name pins.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decodeBody, encodeBody } from '../protocol/codec';
import { SIGNATURE_BYTES } from '../protocol/constants';
import { isBytes, isCount, isFields, isString, type Fields } from '../protocol/guards';
import { bodyFields, guardBody, isKindName, type Body } from './kinds/index';
import type { BodySender } from './kinds/types';
import { isModifier } from './kinds/unknown';
import { guardModifier, isModifierBody, isModifierKind, modifierFields, modifierMentions, type ModifierBody } from './kinds/modifiers';
import { isCid, normalizeDisplayName } from '../protocol/names';
import { concatBytes, ed25519Verify, utf8, type Identity } from './keys';
import { MemoryPinStore, type PinStore } from './storage';
import { escapeName } from './names';
import { mentionsField, parseMentions } from './mentions';

export const ENVELOPE_VERSION = 0x01;
export const NONCE_BYTES = 12;
const TAG_BYTES = 16;

const AAD_CONTEXT = 'message-app/v1/env:';
const SIG_CONTEXT = 'message-app/v1/sig:';

export type { BodySender } from './kinds/types';
export type { Body, ImageBody, TextBody } from './kinds/index';

export type OpenFailure = 'undecryptable' | 'bad_signature' | 'cid_mismatch' | 'unsupported';

export type OpenResult =
  | { ok: true; body: Body; bodyBytes: Uint8Array }
  | { ok: false; reason: OpenFailure; /** the verified sender, when the failure came after the signature check */ from?: BodySender }
  /**
   * A verified modifier (section 4): `modifier` holds it when this client knows its kind
   * and its fields are valid (section 13); otherwise it is ignored, silently. `fields` and `ts`
   * are the decoded body, for modifiers a caller handles itself (section 12).
   */
  | { ok: false; reason: 'modifier'; from: BodySender; k: string; modifier?: ModifierBody; fields?: Fields; ts?: number };

/**
 * The body's MessagePack bytes with keys in the protocol's order (cid, ts, from,
 * k, then the kind's fields), the same bytes the independent vectors use.
 */
export function encodeEnvelopeBody(body: Body | ModifierBody): Uint8Array {
  const from = { name: body.from.name, key: body.from.key };
  const fields = isModifierBody(body) ? modifierFields(body) : bodyFields(body);
  // Section 10: `mentions` comes after the kind's own fields, left out when there are none (an edit's may be empty, section 13).
  const mentions = isModifierBody(body) ? modifierMentions(body) : mentionsField(body.mentions);
  return encodeBody({ cid: body.cid, ts: body.ts, from, k: body.k, ...fields, mentions });
}

function signedMessage(room: string, bodyBytes: Uint8Array): Uint8Array {
  return concatBytes(utf8(SIG_CONTEXT + room), new Uint8Array([0]), bodyBytes);
}

/** signature = Ed25519-sign(identity key, "message-app/v1/sig:" + room + 0x00 + body). */
export function signBody(identity: Identity, room: string, bodyBytes: Uint8Array): Uint8Array {
  return identity.sign(signedMessage(room, bodyBytes));
}

export function verifyBody(publicKey: Uint8Array, room: string, bodyBytes: Uint8Array, signature: Uint8Array): boolean {
  return ed25519Verify(publicKey, signedMessage(room, bodyBytes), signature);
}

export interface SealInput {
  room: string;
  encKey: Uint8Array;
  identity: Identity;
  body: Body | ModifierBody;
  /** Test vectors only: a fixed nonce. Never reuse a nonce under one key. */
  nonce?: Uint8Array;
}

/** env = 0x01 || nonce || AES-256-GCM(enc_key, nonce, signature || body, aad) (ciphertext then 16-byte tag). */
export function sealEnvelope(input: SealInput): Uint8Array {
  const bodyBytes = encodeEnvelopeBody(input.body);
  const signature = signBody(input.identity, input.room, bodyBytes);
  return sealPlaintext(input.room, input.encKey, concatBytes(signature, bodyBytes), input.nonce);
}

export function sealPlaintext(room: string, encKey: Uint8Array, plaintext: Uint8Array, nonce?: Uint8Array): Uint8Array {
  const iv = nonce ?? randomBytes(NONCE_BYTES);
  if (iv.length !== NONCE_BYTES) throw new RangeError('the nonce is 12 bytes');
  const cipher = createCipheriv('aes-256-gcm', encKey, iv);
  cipher.setAAD(utf8(AAD_CONTEXT + room));
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  return concatBytes(new Uint8Array([ENVELOPE_VERSION]), iv, head, tail, cipher.getAuthTag());
}

/** Decrypts an envelope to `signature || body`, or null when it cannot be (never throws). */
export function openPlaintext(room: string, encKey: Uint8Array, env: Uint8Array): Uint8Array | null {
  if (!isBytes(env) || env.length < 1 + NONCE_BYTES + TAG_BYTES || env[0] !== ENVELOPE_VERSION) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', encKey, env.subarray(1, 1 + NONCE_BYTES));
    decipher.setAAD(utf8(AAD_CONTEXT + room));
    decipher.setAuthTag(env.subarray(env.length - TAG_BYTES));
    const head = decipher.update(env.subarray(1 + NONCE_BYTES, env.length - TAG_BYTES));
    const tail = decipher.final();
    return concatBytes(head, tail);
  } catch {
    return null;
  }
}

export interface OpenInput {
  room: string;
  encKey: Uint8Array;
  /** Decrypts to `signature || body` instead of encKey: picks the key of the epoch the header names (section 12.6). */
  decrypt?: (env: Uint8Array) => Uint8Array | null;
  /** The cid of the frame (msg, page entry) that carried the envelope. */
  cid: string;
  env: Uint8Array;
}

/**
 * Decrypts, verifies the signature over the exact body bytes received, checks the
 * cid, then the body's kind. Never throws: every failure is a reason (section 4).
 */
export function openEnvelope(input: OpenInput): OpenResult {
  try {
    const plaintext = input.decrypt ? input.decrypt(input.env) : openPlaintext(input.room, input.encKey, input.env);
    if (!plaintext || plaintext.length <= SIGNATURE_BYTES) return { ok: false, reason: 'undecryptable' };
    const signature = plaintext.subarray(0, SIGNATURE_BYTES);
    const bodyBytes = plaintext.subarray(SIGNATURE_BYTES);
    let decoded: unknown;
    try {
      decoded = decodeBody(bodyBytes);
    } catch {
      return { ok: false, reason: 'undecryptable' };
    }
    // Section 7: a body that is not a map or lacks cid/ts/from/k reads as undecryptable.
    if (!isFields(decoded) || !isString(decoded.cid) || !isCount(decoded.ts) || !isString(decoded.k)) {
      return { ok: false, reason: 'undecryptable' };
    }
    const fromFields = decoded.from;
    if (!isFields(fromFields) || !isBytes(fromFields.key, 32)) return { ok: false, reason: 'undecryptable' };
    const name = normalizeDisplayName(fromFields.name);
    if (name === null) return { ok: false, reason: 'undecryptable' };
    const from: BodySender = { name, key: new Uint8Array(fromFields.key) };
    if (!verifyBody(from.key, input.room, bodyBytes, signature)) return { ok: false, reason: 'bad_signature' };
    if (decoded.cid !== input.cid || !isCid(decoded.cid)) return { ok: false, reason: 'cid_mismatch', from };
    const base = { cid: decoded.cid, ts: decoded.ts, from };
    if (isModifierKind(decoded.k)) {
      const modifier = guardModifier(decoded.k, decoded, base);
      return modifier ? { ok: false, reason: 'modifier', from, k: decoded.k, modifier } : { ok: false, reason: 'modifier', from, k: decoded.k };
    }
    if (!isKindName(decoded.k)) {
      return isModifier(decoded) ? { ok: false, reason: 'modifier', from, k: decoded.k, fields: decoded, ts: decoded.ts } : { ok: false, reason: 'unsupported', from };
    }
    const body = guardBody(decoded.k, decoded, base);
    if (!body) return { ok: false, reason: 'unsupported', from };
    // Section 10: a malformed `mentions` is ignored; the message is still shown.
    const mentions = parseMentions(decoded.mentions);
    if (mentions) body.mentions = mentions;
    return { ok: true, body, bodyBytes };
  } catch {
    // Belt and braces: nothing a peer sends may crash the client.
    return { ok: false, reason: 'undecryptable' };
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Remembers which (sender key, cid) pairs were shown per room, so a repeat is dropped. */
export class Dedupe {
  private readonly seen = new Map<string, Set<string>>();

  /** Records the pair; returns false when it was already recorded. */
  add(room: string, senderKey: Uint8Array, cid: string): boolean {
    let set = this.seen.get(room);
    if (!set) this.seen.set(room, (set = new Set()));
    const id = `${hex(senderKey)}:${cid}`;
    if (set.has(id)) return false;
    set.add(id);
    return true;
  }

  has(room: string, senderKey: Uint8Array, cid: string): boolean {
    return this.seen.get(room)?.has(`${hex(senderKey)}:${cid}`) ?? false;
  }

  forget(room: string): void {
    this.seen.delete(room);
  }
}

/**
 * Why a sender is not verified: another key under the same name ("changed key"), a different name
 * whose TR39 skeleton matches a pinned one ("looks like Ada"), or invisible characters in the name.
 */
export type UnverifiedReason = { why: 'changed-key' } | { why: 'looks-like'; pinned: string } | { why: 'invisible' };

/** The short label a view shows for a reason ("changed key", "looks like Ada"). */
export function reasonLabel(reason: UnverifiedReason): string {
  switch (reason.why) {
    case 'changed-key':
      return 'changed key';
    case 'looks-like':
      // The pinned name is shown escaped: it came off the wire too.
      return `looks like ${escapeName(reason.pinned)}`;
    case 'invisible':
      return 'invisible characters in name';
  }
}

/**
 * Trust on first sight per room: the first key seen under a display name is
 * pinned; a later message under that name with another key is "changed key"
 * (verified = false). The pin itself never moves, so an impostor cannot take over a name.
 */
export class Pins {
  private readonly rooms = new Map<string, Map<string, string>>();
  /** pin key -> the display name first seen with it (this session), so a look-alike can say whom it looks like. */
  private readonly names = new Map<string, Map<string, string>>();
  /** pin key -> the key (hex) the user compared by fingerprint; counts only while it is still the pinned key. */
  private readonly compared = new Map<string, Map<string, string>>();

  constructor(private readonly store: PinStore = new MemoryPinStore()) {}

  /** Loads a room's saved pins; call before checking messages of that room. */
  async load(room: string): Promise<void> {
    if (this.rooms.has(room)) return;
    const saved = await this.store.loadPins(room);
    const map = this.rooms.get(room) ?? new Map<string, string>();
    for (const [name, key] of Object.entries(saved)) if (!map.has(name)) map.set(name, key);
    this.rooms.set(room, map);
    const compared = this.comparedOf(room);
    for (const [name, key] of Object.entries((await this.store.loadCompared?.(room)) ?? {})) if (!compared.has(name)) compared.set(name, key);
  }

  private comparedOf(room: string): Map<string, string> {
    let map = this.compared.get(room);
    if (!map) this.compared.set(room, (map = new Map()));
    return map;
  }

  /**
   * True when the user compared this key's fingerprint for this pin key and it is still the pinned
   * one: a stronger claim than first sight. A changed key is never compared.
   */
  isCompared(room: string, pinKey: string, key: Uint8Array): boolean {
    const keyHex = hex(key);
    return this.compared.get(room)?.get(pinKey) === keyHex && this.pinned(room, pinKey) === keyHex;
  }

  /**
   * Records that the user compared the pinned key's fingerprint ("They match"). Refused (false)
   * for a key that is not the pinned one: a changed key must be trusted on purpose first.
   */
  async markCompared(room: string, pinKey: string, keyHex: string): Promise<boolean> {
    if (this.pinned(room, pinKey) !== keyHex) return false;
    this.comparedOf(room).set(pinKey, keyHex);
    await this.store.saveCompared?.(room, pinKey, keyHex);
    return true;
  }

  /** True when the key matches the name's pin (pinning it if the name is new). */
  check(room: string, name: string, key: Uint8Array): boolean {
    let map = this.rooms.get(room);
    if (!map) this.rooms.set(room, (map = new Map()));
    const keyHex = hex(key);
    const pinned = map.get(name);
    if (pinned === undefined) {
      map.set(name, keyHex);
      // A failed save only costs the pin after a restart; the session keeps it.
      this.store.savePin(room, name, keyHex).catch(() => undefined);
      return true;
    }
    return pinned === keyHex;
  }

  /**
   * check() with the reason when it fails: `pinKey` is the name's pin key (its skeleton),
   * `shown` the name as sent. The first name seen with a key is remembered, so "Аda" from
   * another key is "looks like Ada"; a name seen with its own pinned key is never a look-alike.
   */
  verify(room: string, pinKey: string, shown: string, key: Uint8Array): UnverifiedReason | null {
    const ok = this.check(room, pinKey, key);
    let names = this.names.get(room);
    if (!names) this.names.set(room, (names = new Map()));
    if (ok) {
      if (!names.has(pinKey)) names.set(pinKey, shown);
      return null;
    }
    const first = names.get(pinKey);
    // The pinned name came from an earlier session and differs from the skeleton: we cannot tell, and "changed key" is the safe claim.
    return first !== undefined && first !== shown ? { why: 'looks-like', pinned: first } : { why: 'changed-key' };
  }

  /** The pinned key (hex) of a pin key, if any: what Trust New Key shows next to the new one. */
  pinned(room: string, pinKey: string): string | undefined {
    return this.rooms.get(room)?.get(pinKey);
  }

  /**
   * The name shown for an identity key (hex) in a room: the name first seen this session
   * under a pin that holds that key. Mentions show it rather than the sender's word (section 10).
   */
  nameOfKey(room: string, keyHex: string): string | undefined {
    const pins = this.rooms.get(room);
    const names = this.names.get(room);
    if (!pins || !names) return undefined;
    for (const [pinKey, pinned] of pins) {
      if (pinned === keyHex) {
        const name = names.get(pinKey);
        if (name !== undefined) return name;
      }
    }
    return undefined;
  }

  /** Every (name, key hex) this session saw verified in a room: who `@` can complete. */
  members(room: string): { name: string; keyHex: string }[] {
    const pins = this.rooms.get(room);
    const names = this.names.get(room);
    if (!pins || !names) return [];
    const out: { name: string; keyHex: string }[] = [];
    for (const [pinKey, name] of names) {
      const keyHex = pins.get(pinKey);
      if (keyHex !== undefined) out.push({ name, keyHex });
    }
    return out;
  }

  /** Re-pins a name to a new key on purpose ("Trust New Key..."): later messages from it verify. */
  async repin(room: string, pinKey: string, keyHex: string): Promise<void> {
    let map = this.rooms.get(room);
    if (!map) this.rooms.set(room, (map = new Map()));
    map.set(pinKey, keyHex);
    await this.store.savePin(room, pinKey, keyHex);
    // A comparison was of the old key: the new one starts at first sight until it is compared too.
    const compared = this.comparedOf(room);
    if (compared.has(pinKey) && compared.get(pinKey) !== keyHex) {
      compared.delete(pinKey);
      await this.store.saveCompared?.(room, pinKey, null);
    }
  }
}
