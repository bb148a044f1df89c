// The "file" kind (PROTOCOL.md section 9.1): a reference to an encrypted blob with the key, sizes, SHA-256, name and media type it needs.

import { isBytes, isCount, isString } from '../../protocol/guards';
import type { ViewFileItem } from '../../protocol/webview';
import { FILE_KEY_BYTES, MAX_FILE_CHUNK, MIN_FILE_CHUNK } from '../files/stream-crypto';
import type { BodyBase, CliShownBase, MessageKind, ShownBase } from './types';

/** A blob id: 16 random bytes in base64url, or any id the contract allows. */
export const BLOB_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** A file name or media type longer than this is not a name: the body is refused. */
const MAX_NAME_CHARS = 1024;
const MAX_MIME_CHARS = 255;

/** Everything a receiver needs to download and check the file. */
export interface FileInfo {
  blob: string;
  /** The file's own AES-256 key (stays in the host and the CLI, never in the webview). */
  key: Uint8Array;
  /** Plaintext chunk size. */
  chunk: number;
  size: number;
  sha256: Uint8Array;
  name: string;
  mime: string;
}

export interface FileBody extends BodyBase, FileInfo {
  k: 'file';
}

export interface FileItem extends ShownBase {
  kind: 'file';
  file: FileInfo;
}

export interface FileLine extends CliShownBase {
  kind: 'file';
  /** The key stays out of the JSON (`chat fetch` reads it from the message itself). */
  file: { name: string; size: number; mime: string; sha256: string };
}

/** The last path segment of a sent name: a receiver never uses a sender's folders. */
export function shownFileName(name: string): string {
  const last = name.split(/[\\/]/).filter((part) => part.length > 0).at(-1) ?? '';
  return last === '' || last === '.' || last === '..' ? 'file' : last;
}

export function isFileChunk(value: unknown): value is number {
  return isCount(value) && value >= MIN_FILE_CHUNK && value <= MAX_FILE_CHUNK;
}

export const fileKind: MessageKind<FileBody, FileItem, ViewFileItem, FileLine> = {
  k: 'file',
  guard(fields, base) {
    const { blob, key, chunk, size, sha256, name, mime } = fields;
    if (!isString(blob) || !BLOB_ID.test(blob)) return null;
    if (!isBytes(key, FILE_KEY_BYTES) || !isBytes(sha256, 32)) return null;
    if (!isFileChunk(chunk) || !isCount(size)) return null;
    if (!isString(name) || name.length > MAX_NAME_CHARS || !isString(mime) || mime.length > MAX_MIME_CHARS) return null;
    return { ...base, k: 'file', blob, key, chunk, size, sha256, name, mime };
  },
  fields(body) {
    // Wire order of section 9.1 and the vectors: blob, key, chunk, size, sha256, name, mime.
    return { blob: body.blob, key: body.key, chunk: body.chunk, size: body.size, sha256: body.sha256, name: body.name, mime: body.mime };
  },
  toItem(body, base) {
    const { blob, key, chunk, size, sha256, name, mime } = body;
    return { ...base, kind: 'file', file: { blob, key, chunk, size, sha256, name, mime } };
  },
  toViewItem(item, base) {
    // Display data only: the key, blob id and hash stay in the host.
    return { ...base, kind: 'file', file: { name: shownFileName(item.file.name), size: item.file.size, mime: item.file.mime } };
  },
  preview: (item, max) => {
    const line = `sent a file: ${item.file.name}`;
    return line.length <= max ? line : `${line.slice(0, Math.max(0, max - 1))}…`;
  },
  toCliJson(item, base) {
    const { name, size, mime, sha256 } = item.file;
    return { ...base, kind: 'file', file: { name: shownFileName(name), size, mime, sha256: Buffer.from(sha256).toString('hex') } };
  },
  // The message owns its blob on the server (section 11.2): deleting the message erases the file's bytes too.
  blobs(body) {
    return [body.blob];
  },
};
