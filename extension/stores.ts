// The client core's storage (client/storage.ts) for the extension: the outbox as
// files under the extension's global storage folder (sealed envelopes only,
// written before sending so a crash loses nothing), cursors and identity-key pins
// in globalState. Plain Node modules, so they are tested without VS Code.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
 * One file per unacknowledged message: `<room>~<cid>.json` holding the envelope
 * in base64. Room names and cids cannot contain "~" or "/", so names are unique.
 */
export class FileOutboxStore implements OutboxStore {
  constructor(private readonly dir: string) {}

  async list(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const entries: OutboxEntry[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      try {
        const entry = parseEntry(JSON.parse(await readFile(join(this.dir, name), 'utf8')));
        if (entry) entries.push(entry);
      } catch {
        // A half-written or foreign file: skip it rather than block the outbox.
      }
    }
    return entries.sort((a, b) => a.queuedAt - b.queuedAt);
  }

  async add(entry: OutboxEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.file(entry.room, entry.cid);
    const data = JSON.stringify({
      room: entry.room,
      cid: entry.cid,
      queuedAt: entry.queuedAt,
      env: Buffer.from(entry.env).toString('base64'),
    });
    // Write then rename, so a crash never leaves a truncated entry under the real name.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, data, { mode: 0o600 });
    await rename(tmp, file);
  }

  async remove(room: string, cid: string): Promise<void> {
    await rm(this.file(room, cid), { force: true });
  }

  private file(room: string, cid: string): string {
    return join(this.dir, `${room}~${cid}.json`);
  }
}

function parseEntry(value: unknown): OutboxEntry | null {
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
}
