// The client core's storage (client/storage.ts) for the extension: the outbox as
// files under the extension's global storage folder (sealed envelopes only, the
// client's durable FileStateStore), cursors, identity-key pins and room key-parameter pins in
// globalState, the replay memory as files beside the outbox.
// Plain Node modules, so they are tested without VS Code.

import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStateStore } from '../client/file-store';
import { ReplayFileStore, ReplayMemory } from '../client/replay';
import type { RoomParams, RoomParamStore } from '../client/room-params';
import type { CursorStore, OutboxEntry, OutboxStore, PinStore } from '../client/storage';
import { isBytes, isCount, isFields } from '../protocol/guards';
import { isCid, isRoomName } from '../protocol/names';

/** The subset of vscode.Memento used here. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** A short, file-name-safe tag for a server address (stores are kept per server). */
export function serverTag(server: string): string {
  return createHash('sha256').update(server).digest('hex').slice(0, 16);
}

/**
 * The outbox for one server: the client core's FileStateStore (client/file-store.ts,
 * the CLI's too), whose every write is atomic and flushed to disk before the
 * message is sent, in `<storage>/servers/<serverTag>/outbox/`. Entries an older
 * version left in `<storage>/outbox/<serverTag>/` are moved into it first, so an
 * update loses no unsent message.
 */
export async function openOutbox(storageDir: string, server: string): Promise<OutboxStore> {
  const store = new FileStateStore(join(storageDir, 'servers', serverTag(server)));
  await migrateLegacyOutbox(join(storageDir, 'outbox', serverTag(server)), store);
  return store;
}

/** Moves `<room>~<cid>.json` entries (envelope in base64) into the store; damaged files are left where they are. */
async function migrateLegacyOutbox(legacyDir: string, store: OutboxStore): Promise<void> {
  let names: string[];
  try {
    names = await readdir(legacyDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    let entry: OutboxEntry | null = null;
    try {
      entry = parseLegacyEntry(JSON.parse(await readFile(join(legacyDir, name), 'utf8')));
    } catch {
      // A half-written file: it never held a message that was sent, leave it.
    }
    if (!entry) continue;
    await store.add(entry);
    await rm(join(legacyDir, name), { force: true });
  }
}

function parseLegacyEntry(value: unknown): OutboxEntry | null {
  if (!isFields(value) || !isRoomName(value.room) || !isCid(value.cid) || !isCount(value.queuedAt)) return null;
  if (typeof value.env !== 'string') return null;
  const env = new Uint8Array(Buffer.from(value.env, 'base64'));
  return isBytes(env) && env.length > 0 ? { room: value.room, cid: value.cid, queuedAt: value.queuedAt, env } : null;
}

/** Highest message id seen per room of one server, in globalState. */
export class MementoCursorStore implements CursorStore {
  constructor(
    private readonly memento: KeyValueStore,
    private readonly server: string,
  ) {}

  private get key(): string {
    return `messageApp.cursors/${serverTag(this.server)}`;
  }

  private all(): Record<string, number> {
    const value = this.memento.get<unknown>(this.key);
    return isFields(value) ? (Object.fromEntries(Object.entries(value).filter(([, v]) => isCount(v))) as Record<string, number>) : {};
  }

  async getCursor(room: string): Promise<number | undefined> {
    return this.all()[room];
  }

  async setCursor(room: string, id: number): Promise<void> {
    const all = this.all();
    if ((all[room] ?? 0) >= id) return;
    await this.memento.update(this.key, { ...all, [room]: id });
  }
}

/** Display name -> identity key pins per room of one server, in globalState. */
export class MementoPinStore implements PinStore {
  constructor(
    private readonly memento: KeyValueStore,
    private readonly server: string,
  ) {}

  private key(room: string): string {
    return `messageApp.pins/${serverTag(this.server)}/${room}`;
  }

  async loadPins(room: string): Promise<Record<string, string>> {
    const value = this.memento.get<unknown>(this.key(room));
    if (!isFields(value)) return {};
    // No prototype: display names come from other people ("__proto__" is a valid name).
    const pins: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [name, key] of Object.entries(value)) if (typeof key === 'string' && /^[0-9a-f]{64}$/.test(key)) pins[name] = key;
    return pins;
  }

  async savePin(room: string, name: string, keyHex: string): Promise<void> {
    const pins = await this.loadPins(room);
    await this.memento.update(this.key(room), { ...pins, [name]: keyHex });
  }

  private comparedKey(room: string): string {
    return `messageApp.comparedKeys/${serverTag(this.server)}/${room}`;
  }

  /** The keys the user compared by fingerprint (Verify Fingerprint...), per server and room. */
  async loadCompared(room: string): Promise<Record<string, string>> {
    const value = this.memento.get<unknown>(this.comparedKey(room));
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    if (!isFields(value)) return out;
    for (const [name, key] of Object.entries(value)) if (typeof key === 'string' && /^[0-9a-f]{64}$/.test(key)) out[name] = key;
    return out;
  }

  async saveCompared(room: string, name: string, keyHex: string | null): Promise<void> {
    // loadCompared's object has no prototype, so a name "__proto__" is a plain key here too.
    const all = await this.loadCompared(room);
    if (keyHex === null) delete all[name];
    else all[name] = keyHex;
    await this.memento.update(this.comparedKey(room), all);
  }
}

/**
 * Each room's salt and KDF parameters as first seen, per server and room, in globalState: a server
 * that changes them later is refused (client/room-params.ts). Forgotten only by the command.
 */
export class MementoRoomParamStore implements RoomParamStore {
  constructor(private readonly memento: KeyValueStore) {}

  private key(server: string, room: string): string {
    return `messageApp.roomParams/${serverTag(server)}/${room}`;
  }

  async get(server: string, room: string): Promise<RoomParams | undefined> {
    const v = this.memento.get<unknown>(this.key(server, room));
    if (!isFields(v) || typeof v.salt !== 'string' || !isCount(v.n) || !isCount(v.r) || !isCount(v.p)) return undefined;
    return { salt: new Uint8Array(Buffer.from(v.salt, 'base64')), kdf: { n: v.n, r: v.r, p: v.p } };
  }

  async set(server: string, room: string, params: RoomParams): Promise<void> {
    await this.memento.update(this.key(server, room), { salt: Buffer.from(params.salt).toString('base64'), ...params.kdf });
  }

  async forget(server: string, room: string): Promise<void> {
    await this.memento.update(this.key(server, room), undefined);
  }
}

/** (sender key, cid) -> id per room of one server, across restarts, in `<storage>/servers/<serverTag>/replay/`. */
export function openReplayMemory(storageDir: string, server: string): ReplayMemory {
  return new ReplayMemory(new ReplayFileStore(join(storageDir, 'servers', serverTag(server), 'replay')));
}
