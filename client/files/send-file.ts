// Sending and saving files through a ChatClient: describe a file (fresh key and blob id, size, SHA-256, type), upload it with resume across reconnects, download it with resume.

import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { ChatClient } from '../chat-client';
import { ClientError } from '../errors';
import type { FileInfo } from '../kinds/file';
import { DEFAULT_FILE_CHUNK, newFileKey } from './stream-crypto';
import { FileTransferError, fileSha256, type Progress } from './transfer';

/** How often a transfer that lost its connection waits for the rejoin and carries on. */
const RESUME_ATTEMPTS = 5;
/** The longest wait for the room to be joined again after a drop. */
const REJOIN_WAIT_MS = 60_000;

/** Media types by extension, only to pick an icon on the other side (section 9.1: never rendered by it). */
const MIMES: Record<string, string> = {
  '.txt': 'text/plain', '.log': 'text/plain', '.md': 'text/markdown', '.csv': 'text/csv', '.json': 'application/json',
  '.xml': 'application/xml', '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.ts': 'text/x-typescript',
  '.py': 'text/x-python', '.pdf': 'application/pdf', '.zip': 'application/zip', '.gz': 'application/gzip', '.tgz': 'application/gzip',
  '.tar': 'application/x-tar', '.7z': 'application/x-7z-compressed', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.gif': 'image/gif', '.webp': 'image/webp', '.svg': 'image/svg+xml', '.mp3': 'audio/mpeg', '.wav': 'audio/wav', '.mp4': 'video/mp4',
  '.webm': 'video/webm', '.mov': 'video/quicktime', '.doc': 'application/msword', '.xls': 'application/vnd.ms-excel',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

export function mimeOf(name: string): string {
  return MIMES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** A new blob id: 16 random bytes in base64url (section 9.1). */
export function newBlobId(): string {
  return randomBytes(16).toString('base64url');
}

/** Describes the file at `path` for sending: a fresh key and blob id, its size and SHA-256 (read as a stream). */
export async function describeFile(path: string, name = basename(path)): Promise<FileInfo> {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ClientError('invalid_input', `${path} is not a file.`);
    size = stat.size;
  } catch (error) {
    if (error instanceof ClientError) throw error;
    throw new ClientError('invalid_input', `Cannot read the file ${path}.`);
  }
  return { blob: newBlobId(), key: newFileKey(), chunk: DEFAULT_FILE_CHUNK, size, sha256: await fileSha256(path), name, mime: mimeOf(name) };
}

export interface TransferOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/** Resolves once `room` is joined on `client` again (after a drop); rejects after REJOIN_WAIT_MS or on a cancel. */
function rejoined(client: ChatClient, room: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      off();
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = (): void => done(new FileTransferError('cancelled', 'The file transfer was cancelled.'));
    const timer = setTimeout(() => done(new FileTransferError('disconnected', 'The connection to the server did not come back; run the transfer again to resume it.')), REJOIN_WAIT_MS);
    const off = client.onEvent((e) => {
      if (e.type === 'room' && e.room === room && e.state === 'joined') done();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs a transfer, and after a dropped connection waits for the rejoin and runs it again (it resumes where the server is). */
async function withResume(client: ChatClient, room: string, signal: AbortSignal | undefined, run: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const retry = error instanceof FileTransferError && (error.code === 'disconnected' || error.code === 'timeout');
      if (!retry || attempt >= RESUME_ATTEMPTS) throw error;
      await rejoined(client, room, signal);
    }
  }
}

/** Uploads the blob of `file` from `path` to `room` (joined on `client`), resuming across reconnects. */
export function uploadFile(client: ChatClient, room: string, file: FileInfo, path: string, options: TransferOptions = {}): Promise<void> {
  const ref = { room, blob: file.blob, key: file.key, chunk: file.chunk, size: file.size };
  return withResume(client, room, options.signal, () => client.files.upload(ref, path, options.onProgress, options.signal));
}

/** Downloads and checks `file` into `out` (through `out.part`, resumed from what it holds), resuming across reconnects. */
export function downloadFile(client: ChatClient, room: string, file: FileInfo, out: string, options: TransferOptions = {}): Promise<void> {
  const ref = { room, blob: file.blob, key: file.key, chunk: file.chunk, size: file.size, sha256: file.sha256 };
  return withResume(client, room, options.signal, () => client.files.download(ref, out, options.onProgress, options.signal));
}
