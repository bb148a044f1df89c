// In-memory stand-ins for the two VS Code storage APIs the host logic uses
// (SecretStorage and Memento): the only boundary these Node tests cannot reach.

import type { SecretStore } from '../../extension/key-store';
import type { KeyValueStore } from '../../extension/stores';

export class InMemorySecretStorage implements SecretStore {
  readonly values = new Map<string, string>();
  readonly changes: string[] = [];

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    this.changes.push(key);
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
    this.changes.push(key);
  }
}

/** Like VS Code's Memento: values go through JSON, as globalState stores them. */
export class InMemoryMemento implements KeyValueStore {
  private readonly values = new Map<string, string>();

  get<T>(key: string): T | undefined {
    const raw = this.values.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.stringify(value));
  }
}
