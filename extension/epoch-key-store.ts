// Each room's epoch keys (PROTOCOL.md section 12) in the editor's SecretStorage, beside the room's passphrase: per server and room.

import { decodeEpochRecord, encodeEpochRecord, type EpochKeyStore, type RoomEpochRecord } from '../client/epochs/store';
import type { SecretStore } from './key-store';

const EPOCHS_PREFIX = 'messageApp.epochs.v1/';

export function epochsKey(server: string, room: string): string {
  return `${EPOCHS_PREFIX}${server}/${room}`;
}

/** A damaged entry reads as absent: the next join derives from the passphrase again (and catches up if it can). */
export class SecretEpochKeyStore implements EpochKeyStore {
  constructor(private readonly secrets: SecretStore) {}

  async get(server: string, room: string): Promise<RoomEpochRecord | undefined> {
    const value = await this.secrets.get(epochsKey(server, room));
    return value === undefined ? undefined : decodeEpochRecord(value);
  }

  async set(server: string, room: string, record: RoomEpochRecord): Promise<void> {
    await this.secrets.store(epochsKey(server, room), encodeEpochRecord(record));
  }
}
