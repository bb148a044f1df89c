// Pins of each room's key parameters (salt and KDF) per server: a server that swaps them later is refused.

import type { KdfParams } from '../protocol/frames';
import { ClientError } from './errors';
import { readJsonFile, writeJsonFile } from './json-file';

export interface RoomParams {
  salt: Uint8Array;
  kdf: KdfParams;
}

/** Where the pins live (CLI: a file in its config folder; the extension: globalState). Keys are per server and room. */
export interface RoomParamStore {
  get(server: string, room: string): Promise<RoomParams | undefined>;
  set(server: string, room: string, params: RoomParams): Promise<void>;
  /** For the rare honest case (the room was deleted and made again): the next join pins afresh. */
  forget(server: string, room: string): Promise<void>;
}

/** The server's `room` reply differs from the pin: keys are not derived (CLI exit 6). */
export class RoomParamsChangedError extends ClientError {
  constructor(server: string, room: string, detail: string) {
    super(
      'room_params_changed',
      `The server at ${server} changed the key parameters of room "${room}" (${detail}); refusing to derive keys. ` +
        `A server that lowers them can guess the passphrase faster. If the room was really deleted and made again, run: chat forget-room --server ${server} --room ${room}`,
      room,
    );
  }
}

/** Throws RoomParamsChangedError when a pin exists and differs; pins nothing. */
export async function checkRoomParams(store: RoomParamStore, server: string, room: string, got: RoomParams): Promise<void> {
  const pinned = await store.get(server, room);
  if (!pinned) return;
  const changes: string[] = [];
  if (!sameBytes(pinned.salt, got.salt)) changes.push('a different salt');
  for (const k of ['n', 'r', 'p'] as const) {
    if (pinned.kdf[k] !== got.kdf[k]) changes.push(`${k.toUpperCase()} ${pinned.kdf[k]} -> ${got.kdf[k]}`);
  }
  if (changes.length > 0) throw new RoomParamsChangedError(server, room, changes.join(', '));
}

/**
 * Before creating a room the server says does not exist: with a pin, the room existed, so a
 * "no such room" is a change too (a new room would take new parameters under the old name).
 */
export async function checkRoomVanished(store: RoomParamStore, server: string, room: string): Promise<void> {
  if (await store.get(server, room)) throw new RoomParamsChangedError(server, room, 'it says the room does not exist any more');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function key(server: string, room: string): string {
  return `${server} ${room}`;
}

export class MemoryRoomParamStore implements RoomParamStore {
  readonly pins = new Map<string, RoomParams>();
  async get(server: string, room: string): Promise<RoomParams | undefined> {
    return this.pins.get(key(server, room));
  }
  async set(server: string, room: string, params: RoomParams): Promise<void> {
    this.pins.set(key(server, room), { salt: new Uint8Array(params.salt), kdf: { ...params.kdf } });
  }
  async forget(server: string, room: string): Promise<void> {
    this.pins.delete(key(server, room));
  }
}

interface StoredParams {
  salt: string;
  n: number;
  r: number;
  p: number;
}

/** { "host:port room": { salt: base64, n, r, p } } in one file. */
export class RoomParamsFile implements RoomParamStore {
  constructor(readonly path: string) {}

  async get(server: string, room: string): Promise<RoomParams | undefined> {
    const entry = (await this.read())[key(server, room)];
    return entry ? { salt: new Uint8Array(Buffer.from(entry.salt, 'base64')), kdf: { n: entry.n, r: entry.r, p: entry.p } } : undefined;
  }

  async set(server: string, room: string, params: RoomParams): Promise<void> {
    const all = await this.read();
    all[key(server, room)] = { salt: Buffer.from(params.salt).toString('base64'), ...params.kdf };
    await writeJsonFile(this.path, all);
  }

  async forget(server: string, room: string): Promise<void> {
    const all = await this.read();
    delete all[key(server, room)];
    await writeJsonFile(this.path, all);
  }

  private async read(): Promise<Record<string, StoredParams>> {
    const value = await readJsonFile(this.path, 'room parameters');
    if (value === undefined) return {};
    const out: Record<string, StoredParams> = {};
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (isStoredParams(v)) out[k] = v;
        else throw new ClientError('invalid_input', `The room parameters file ${this.path} is damaged; fix or remove it.`);
      }
      return out;
    }
    throw new ClientError('invalid_input', `The room parameters file ${this.path} is damaged; fix or remove it.`);
  }
}

function isStoredParams(v: unknown): v is StoredParams {
  return (
    typeof v === 'object' &&
    v !== null &&
    'salt' in v &&
    typeof v.salt === 'string' &&
    'n' in v &&
    Number.isSafeInteger(v.n) &&
    'r' in v &&
    Number.isSafeInteger(v.r) &&
    'p' in v &&
    Number.isSafeInteger(v.p)
  );
}
