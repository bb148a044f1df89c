// The server side of the blob frames (PROTOCOL.md section 9.3): membership, upload chunks, and downloads paced by the socket's drain.

import type { ClientFrame, ServerFrame } from '../../protocol/frames';
import type { Connection } from '../connection';
import type { DiskSpace } from '../disk';
import type { Room } from '../rooms';
import { collectOnGrowth } from '../../protocol/collect-on-growth';
import { BlobError, type BlobReader, type BlobStore } from './store';

type BlobFrame = Extract<ClientFrame, { t: 'blob_put' | 'blob_chunk' | 'blob_get' }>;

/**
 * Unsent output a download lets build up before it waits for the socket to
 * drain. Two chunks keep a loopback socket busy (the kernel's send buffer holds
 * more); 4 MiB was no faster in bench:files and left the server about 10 MB
 * more resident.
 */
const DOWNLOAD_QUEUE_BYTES = 2 * 1024 * 1024;

/**
 * Without collections a 1 GiB upload took the server from about 60 MB to
 * 146-172 MB (bench:files). Collecting at 32 MB of growth (blob bytes in or out,
 * all connections together) is about one per 64 MiB moved, 5-15 ms each, and the
 * peak stays near 115 MB.
 */
const COLLECT_GROWTH_BYTES = 32 * 1024 * 1024;

/** The room quota of the server (PROTOCOL.md section 11.7): blobs count towards it with the envelopes. */
export interface BlobQuota {
  maxRoomBytes: number;
  disk: DiskSpace;
}

export class BlobFrames {
  /** Counts blob bytes moved and collects garbage when resident memory grew. */
  private readonly moved = collectOnGrowth(COLLECT_GROWTH_BYTES, process.memoryUsage.rss);

  constructor(
    readonly store: BlobStore,
    private readonly log: (message: string) => void,
    private readonly quota?: BlobQuota,
  ) {}

  /** Handles one blob frame; every refusal becomes an `error` frame naming the room and blob. */
  handle(conn: Connection, frame: BlobFrame): void {
    try {
      const room = conn.rooms.get(frame.room);
      if (!room) throw new ProtocolRefusal('not_joined', `join room ${frame.room} first`);
      switch (frame.t) {
        case 'blob_put': {
          if (!this.store.known(room.id, frame.blob)) this.checkQuota(room, frame.size);
          const state = this.store.open(room.id, frame.blob, frame.size, frame.chunk);
          conn.send({ t: 'blob_state', room: room.name, blob: frame.blob, ...state });
          return;
        }
        case 'blob_chunk': {
          const state = this.store.write(room.id, frame.blob, frame.i, frame.data);
          this.moved(frame.data.length);
          conn.send({ t: 'blob_ack', room: room.name, blob: frame.blob, i: frame.i, have: state.have, done: state.done });
          return;
        }
        case 'blob_get':
          this.startDownload(conn, room, frame);
          return;
        default: {
          const unreachable: never = frame;
          throw new Error(`unhandled blob frame ${JSON.stringify(unreachable)}`);
        }
      }
    } catch (error) {
      this.fail(conn, frame.room, frame.blob, error);
    }
  }

  /** A new blob counts in full from its `blob_put`, so one past the quota or the disk reserve is refused before any bytes. */
  private checkQuota(room: Room, size: number): void {
    if (!this.quota) return;
    const { maxRoomBytes, disk } = this.quota;
    if (room.bytes + this.store.roomBytes(room.id) + size > maxRoomBytes) {
      this.log(`refused a blob for room ${room.name}: its storage quota is used up`);
      throw new ProtocolRefusal('full', `room ${room.name} has used its storage quota of ${maxRoomBytes} bytes`);
    }
    if (!disk.take(size)) {
      this.log(`refused a blob for room ${room.name}: the data volume is at its free-space reserve`);
      throw new ProtocolRefusal('full', 'the server is out of disk space for new files');
    }
  }

  private fail(conn: Connection, room: string, blob: string, error: unknown): void {
    if (error instanceof BlobError || error instanceof ProtocolRefusal) {
      conn.send({ t: 'error', code: error.code, msg: error.message, room, blob });
      return;
    }
    this.log(`internal error on blob ${blob} of room ${room} from ${conn.address}: ${error instanceof Error ? error.message : String(error)}`);
    conn.send({ t: 'error', code: 'internal', msg: 'the server failed to handle this blob request', room, blob });
  }

  /** Checks the range at once (errors answer the request), then streams it without holding up the connection's other frames. */
  private startDownload(conn: Connection, room: Room, frame: Extract<BlobFrame, { t: 'blob_get' }>): void {
    const reader = this.store.openReader(room.id, frame.blob);
    const offset = frame.offset ?? 0;
    if (offset >= reader.size) {
      reader.close();
      throw new BlobError('bad_frame', `offset ${offset} is past the end of blob ${frame.blob} (${reader.size} bytes)`);
    }
    const end = Math.min(reader.size, frame.length === undefined ? reader.size : offset + frame.length);
    void this.download(conn, room, frame.blob, reader, offset, end)
      .catch((error: unknown) => this.fail(conn, room.name, frame.blob, error))
      .finally(() => reader.close());
  }

  /** Sends [offset, end) in pieces along chunk boundaries, reading each chunk only when the previous output has drained. */
  private async download(conn: Connection, room: Room, blob: string, reader: BlobReader, offset: number, end: number): Promise<void> {
    const chunk = reader.chunk;
    // One buffer for every chunk of this download: send() copies the bytes into the
    // frame it queues, so the next read may reuse it (fewer 1 MiB arrays for the GC).
    const buffer = new Uint8Array(chunk);
    let at = offset;
    while (at < end) {
      // The member may have left, or the connection closed, meanwhile: stop quietly.
      if (!conn.isOpen || conn.rooms.get(room.name) !== room) return;
      const index = Math.floor(at / chunk);
      const bytes = reader.read(index, buffer);
      if (!bytes) {
        this.log(`blob ${blob} of room ${room.name}: chunk ${index} fails its checksum on disk`);
        throw new BlobError('internal', `chunk ${index} of blob ${blob} is damaged on the server`);
      }
      const from = at - index * chunk;
      const to = Math.min(bytes.length, end - index * chunk);
      const frame: ServerFrame = { t: 'blob_data', room: room.name, blob, offset: at, last: index * chunk + to >= end, data: bytes.subarray(from, to) };
      conn.send(frame);
      this.moved(to - from);
      at = index * chunk + to;
      await conn.drainedBelow(DOWNLOAD_QUEUE_BYTES);
    }
  }
}

/** A refusal that is not about the blob store (membership, the room's quota). */
class ProtocolRefusal extends Error {
  constructor(
    readonly code: 'not_joined' | 'full',
    message: string,
  ) {
    super(message);
  }
}
