// Pinned server certificates per host:port: the TrustStore interface, and the CLI's known-servers file.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ClientError } from '../errors';
import { parseFingerprint } from './tls';

/**
 * Where pins live: the CLI's known-servers file, the extension's globalState (it implements this
 * with `globalState.get/update`). Keys are "host:port" exactly as connected to.
 */
export interface TrustStore {
  get(address: string): Promise<string | undefined>;
  /** Pins (or, on purpose, re-pins) the fingerprint for the address. */
  set(address: string, fingerprint: string): Promise<void>;
  forget(address: string): Promise<void>;
}

export class MemoryTrustStore implements TrustStore {
  readonly pins = new Map<string, string>();
  async get(address: string): Promise<string | undefined> {
    return this.pins.get(address);
  }
  async set(address: string, fingerprint: string): Promise<void> {
    this.pins.set(address, fingerprint);
  }
  async forget(address: string): Promise<void> {
    this.pins.delete(address);
  }
}

/** A JSON file { "host:port": "SHA256:..." }, mode 0600, replaced atomically on each change. */
export class KnownServersFile implements TrustStore {
  constructor(readonly path: string) {}

  async get(address: string): Promise<string | undefined> {
    return (await this.read())[address];
  }

  async set(address: string, fingerprint: string): Promise<void> {
    const all = await this.read();
    all[address] = fingerprint;
    await this.write(all);
  }

  async forget(address: string): Promise<void> {
    const all = await this.read();
    delete all[address];
    await this.write(all);
  }

  private async read(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT') return {};
      throw new ClientError('invalid_input', `Cannot read the known-servers file ${this.path}.`);
    }
    const out: Record<string, string> = {};
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      for (const [address, fp] of Object.entries(value)) {
        const parsed = typeof fp === 'string' ? parseFingerprint(fp) : null;
        if (parsed === null) throw new Error('bad entry');
        out[address] = parsed;
      }
    } catch {
      // A damaged pin file must not turn into "no pins" (that would re-open trust on first use).
      throw new ClientError('invalid_input', `The known-servers file ${this.path} is damaged; fix or remove it.`);
    }
    return out;
  }

  private async write(all: Record<string, string>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.tmp-${process.pid}`;
    await writeFile(temporary, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, this.path);
  }
}
