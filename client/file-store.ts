// File-backed outbox, cursors and pins for the CLI: one folder per identity and
// server, every write atomic (temporary file, fsync, rename) and private (0600).

import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_MESSAGE_BLOBS } from '../protocol/constants';
import { isBlobId } from '../protocol/frames';
import { isCid, isRoomName } from '../protocol/names';
import type { CursorStore, OutboxEntry, OutboxStore, PinStore } from './storage';

/**
 * Layout: `outbox/<room>/<queuedAt>-<cid>.env` holds the sealed envelope bytes
 * (ciphertext only), beside it `<queuedAt>-<cid>.blobs` the JSON list of blob ids
 * the message names (only when it names any); `cursors.json` and `pins.json` hold
 * small maps.
 */
export class FileStateStore implements OutboxStore, CursorStore, PinStore {
  private cursors: Record<string, number> | undefined;
  private pins: Record<string, Record<string, string>> | undefined;
  /** Serialises writes of the JSON files so a later state never loses to an earlier one. */
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  // ---- outbox ----

  async list(): Promise<OutboxEntry[]> {
    const root = join(this.dir, 'outbox');
    const entries: OutboxEntry[] = [];
    for (const room of await readdirOrEmpty(root)) {
      if (!isRoomName(room)) continue;
      for (const file of await readdirOrEmpty(join(root, room))) {
        const match = /^(\d+)-([A-Za-z0-9_-]+)\.env$/.exec(file);
        if (!match?.[1] || !match[2] || !isCid(match[2])) continue; // temporary files and strangers
        let env: Uint8Array;
        try {
          env = new Uint8Array(await readFile(join(root, room, file)));
        } catch (error) {
          if (isNotFound(error)) continue; // acked and removed meanwhile
          throw error;
        }
        const blobs = await readBlobs(join(root, room, `${match[1]}-${match[2]}.blobs`));
        entries.push({ room, cid: match[2], env, queuedAt: Number(match[1]), ...(blobs ? { blobs } : {}) });
      }
    }
    return entries.sort((a, b) => a.queuedAt - b.queuedAt);
  }

  async add(entry: OutboxEntry): Promise<void> {
    const folder = join(this.dir, 'outbox', entry.room);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    // The blob list first: once the .env exists, the entry is complete (a crash between the two leaves an orphan list, removed with the cid).
    if (entry.blobs && entry.blobs.length > 0) {
      await atomicWrite(join(folder, `${entry.queuedAt}-${entry.cid}.blobs`), new TextEncoder().encode(JSON.stringify(entry.blobs)));
    }
    await atomicWrite(join(folder, `${entry.queuedAt}-${entry.cid}.env`), entry.env);
  }

  async remove(room: string, cid: string): Promise<void> {
    const folder = join(this.dir, 'outbox', room);
    for (const file of await readdirOrEmpty(folder)) {
      if (file.endsWith(`-${cid}.env`) || file.endsWith(`-${cid}.blobs`)) await rm(join(folder, file), { force: true });
    }
  }

  // ---- cursors ----

  async getCursor(room: string): Promise<number | undefined> {
    this.cursors ??= await readJson(join(this.dir, 'cursors.json'), isNumberMap);
    return this.cursors[room];
  }

  async setCursor(room: string, id: number): Promise<void> {
    this.cursors ??= await readJson(join(this.dir, 'cursors.json'), isNumberMap);
    this.cursors[room] = id;
    await this.save('cursors.json', this.cursors);
  }

  // ---- pins ----

  async loadPins(room: string): Promise<Record<string, string>> {
    this.pins ??= await readJson(join(this.dir, 'pins.json'), isPinMap);
    return { ...(this.pins[room] ?? {}) };
  }

  async savePin(room: string, name: string, keyHex: string): Promise<void> {
    this.pins ??= await readJson(join(this.dir, 'pins.json'), isPinMap);
    this.pins[room] = { ...(this.pins[room] ?? {}), [name]: keyHex };
    await this.save('pins.json', this.pins);
  }

  private save(file: string, value: unknown): Promise<void> {
    const run = async (): Promise<void> => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      // Serialised at write time, so the newest state is what lands.
      await atomicWrite(join(this.dir, file), new TextEncoder().encode(JSON.stringify(value)));
    };
    const next = this.writes.then(run, run);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

/** Writes a private temporary file, flushes it to disk, then renames it over the target. */
export async function atomicWrite(path: string, data: Uint8Array, mode = 0o600): Promise<void> {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function readdirOrEmpty(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** An entry's blob list, or undefined without one; a damaged list counts as none (the message still goes, naming no blob). */
async function readBlobs(path: string): Promise<string[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.length > 0 && value.length <= MAX_MESSAGE_BLOBS && value.every((b) => typeof b === 'string' && isBlobId(b))) return value as string[];
  } catch {
    // fall through
  }
  return undefined;
}

async function readJson<T>(path: string, guard: (value: unknown) => value is T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return {} as T;
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (guard(value)) return value;
  } catch {
    // fall through: a damaged file is treated as empty rather than stopping the client
  }
  return {} as T;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberMap(value: unknown): value is Record<string, number> {
  return isRecord(value) && Object.values(value).every((v) => Number.isSafeInteger(v));
}

function isPinMap(value: unknown): value is Record<string, Record<string, string>> {
  return isRecord(value) && Object.values(value).every((m) => isRecord(m) && Object.values(m).every((v) => typeof v === 'string'));
}
