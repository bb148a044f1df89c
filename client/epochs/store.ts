// Where a room's epoch keys are kept between runs (PROTOCOL.md section 12.8): the pinned epoch, each epoch's keys, and what was announced.

import type { KdfParams } from '../../protocol/frames';
import { isKdfParams } from '../../protocol/frames';
import { ClientError } from '../errors';
import { readJsonFile, writeJsonFile } from '../json-file';

/** One epoch's secrets. `authSeed` is absent for an epoch learned only through a back-link (it opens, it cannot join). */
export interface StoredEpoch {
  epoch: number;
  salt: Uint8Array;
  kdf: KdfParams;
  encKey: Uint8Array;
  authSeed?: Uint8Array;
}

export interface RoomEpochRecord {
  /** The highest epoch this client has joined with: it never seals below it, and a server naming a lower one is refused. */
  pinned: number;
  epochs: StoredEpoch[];
  /** Epochs in which this identity posted its `keys` body (12.2). */
  announced: number[];
  /** Identity keys (hex) this client believes are owners (12.8); the creator first. */
  owners: string[];
}

/**
 * Per server and room, like the passphrase itself: the CLI keeps a 0600 file next to its
 * identity, the extension its secret storage. The value holds keys: never log it.
 */
export interface EpochKeyStore {
  get(server: string, room: string): Promise<RoomEpochRecord | undefined>;
  set(server: string, room: string, record: RoomEpochRecord): Promise<void>;
}

interface JsonEpoch {
  epoch: number;
  salt: string;
  kdf: KdfParams;
  encKey: string;
  authSeed?: string;
}

interface JsonRecord {
  pinned: number;
  epochs: JsonEpoch[];
  announced: number[];
  owners: string[];
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** A JSON string (for secret storage, which holds strings). */
export function encodeEpochRecord(record: RoomEpochRecord): string {
  const json: JsonRecord = {
    pinned: record.pinned,
    epochs: record.epochs.map((e) => ({
      epoch: e.epoch,
      salt: b64(e.salt),
      kdf: { n: e.kdf.n, r: e.kdf.r, p: e.kdf.p },
      encKey: b64(e.encKey),
      ...(e.authSeed ? { authSeed: b64(e.authSeed) } : {}),
    })),
    announced: [...record.announced],
    owners: [...record.owners],
  };
  return JSON.stringify(json);
}

function isCountValue(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isJsonEpoch(v: unknown): v is JsonEpoch {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    isCountValue(e.epoch) &&
    typeof e.salt === 'string' &&
    isKdfParams(e.kdf) &&
    typeof e.encKey === 'string' &&
    (e.authSeed === undefined || typeof e.authSeed === 'string')
  );
}

/** The record, or undefined when the value is not one (a damaged entry is treated as absent by the caller's choice). */
export function decodeEpochRecord(value: unknown): RoomEpochRecord | undefined {
  const parsed: unknown = typeof value === 'string' ? safeParse(value) : value;
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  if (!isCountValue(r.pinned) || !Array.isArray(r.epochs) || !Array.isArray(r.announced) || !Array.isArray(r.owners)) return undefined;
  if (!r.epochs.every(isJsonEpoch) || !r.announced.every(isCountValue) || !r.owners.every((o) => typeof o === 'string' && /^[0-9a-f]{64}$/.test(o))) {
    return undefined;
  }
  const epochs: StoredEpoch[] = [];
  for (const e of r.epochs as JsonEpoch[]) {
    const salt = bytes(e.salt);
    const encKey = bytes(e.encKey);
    if (salt.length !== 16 || encKey.length !== 32) return undefined;
    const stored: StoredEpoch = { epoch: e.epoch, salt, kdf: { n: e.kdf.n, r: e.kdf.r, p: e.kdf.p }, encKey };
    if (e.authSeed !== undefined) {
      const seed = bytes(e.authSeed);
      if (seed.length !== 32) return undefined;
      stored.authSeed = seed;
    }
    epochs.push(stored);
  }
  return { pinned: r.pinned, epochs, announced: [...(r.announced as number[])], owners: [...(r.owners as string[])] };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function key(server: string, room: string): string {
  return `${server} ${room}`;
}

export class MemoryEpochKeyStore implements EpochKeyStore {
  private readonly records = new Map<string, string>();
  async get(server: string, room: string): Promise<RoomEpochRecord | undefined> {
    const value = this.records.get(key(server, room));
    return value === undefined ? undefined : decodeEpochRecord(value);
  }
  async set(server: string, room: string, record: RoomEpochRecord): Promise<void> {
    this.records.set(key(server, room), encodeEpochRecord(record));
  }
}

/** The CLI's store: { "host:port room": record } in one 0600 file in the identity's state folder. */
export class EpochKeysFile implements EpochKeyStore {
  /** Writes of one process go one after another (read, change, replace). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  async get(server: string, room: string): Promise<RoomEpochRecord | undefined> {
    const value = (await this.read())[key(server, room)];
    return value === undefined ? undefined : decodeEpochRecord(value);
  }

  set(server: string, room: string, record: RoomEpochRecord): Promise<void> {
    const run = this.queue.then(async () => {
      const all = await this.read();
      all[key(server, room)] = JSON.parse(encodeEpochRecord(record)) as unknown;
      await writeJsonFile(this.path, all);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<Record<string, unknown>> {
    const value = await readJsonFile(this.path, 'room keys');
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ClientError('invalid_input', `The room keys file ${this.path} is damaged; fix or remove it.`);
    }
    return value as Record<string, unknown>;
  }
}
