// `chat send --file` and `chat fetch`: a file up with resume (the upload's key and blob id are kept in the state folder until the message is queued) and a file down into PATH.part, checked, then renamed.

import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatClient } from '../chat-client';
import { ClientError } from '../errors';
import { describeFile, downloadFile, uploadFile } from '../files/send-file';
import { FileTransferError } from '../files/transfer';
import { BLOB_ID, isFileChunk, type FileInfo } from '../kinds/file';
import { readJsonFile, writeJsonFile } from '../json-file';
import { jsonLine, messageLine } from './output';

/** One unfinished upload as kept on disk: what makes a second run resume instead of starting over. */
interface UploadRecord {
  room: string;
  path: string;
  size: number;
  mtimeMs: number;
  blob: string;
  key: string;
  chunk: number;
  sha256: string;
  name: string;
  mime: string;
}

function isUploadRecord(v: unknown): v is UploadRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.room === 'string' &&
    typeof r.path === 'string' &&
    typeof r.size === 'number' &&
    typeof r.mtimeMs === 'number' &&
    typeof r.blob === 'string' &&
    BLOB_ID.test(r.blob) &&
    typeof r.key === 'string' &&
    /^[0-9a-f]{64}$/.test(r.key) &&
    isFileChunk(r.chunk) &&
    typeof r.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(r.sha256) &&
    typeof r.name === 'string' &&
    typeof r.mime === 'string'
  );
}

const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The uploads file of a state folder (0600: it holds file keys until their message is queued). */
class UploadRecords {
  constructor(private readonly path: string) {}

  private async all(): Promise<UploadRecord[]> {
    const value = await readJsonFile(this.path, 'uploads');
    return Array.isArray(value) ? value.filter(isUploadRecord) : [];
  }

  async find(room: string, path: string, size: number, mtimeMs: number): Promise<UploadRecord | undefined> {
    return (await this.all()).find((r) => r.room === room && r.path === path && r.size === size && r.mtimeMs === mtimeMs);
  }

  async put(record: UploadRecord): Promise<void> {
    const rest = (await this.all()).filter((r) => !(r.room === record.room && r.path === record.path));
    await writeJsonFile(this.path, [...rest, record]);
  }

  async remove(room: string, path: string): Promise<void> {
    await writeJsonFile(this.path, (await this.all()).filter((r) => !(r.room === room && r.path === path)));
  }
}

/** Progress on stderr when it is a terminal (scripts get clean output). */
function progressLine(what: string): ((p: { done: number; total: number }) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return ({ done, total }) => {
    const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
    if (pct === last) return;
    last = pct;
    process.stderr.write(`\r${what} ${pct}%${pct === 100 ? '\n' : ''}`);
  };
}

function transferError(error: unknown): never {
  if (error instanceof FileTransferError) throw new ClientError('invalid_input', error.message);
  throw error;
}

/**
 * Uploads `filePath` to `room` (joined on `client`), sends its `file` message and
 * prints the message's JSON line once the server stored it. A run that was
 * interrupted leaves its record in `stateDir`; the next run for the same file
 * (same size and modification time) resumes the same blob.
 */
export async function sendFileRun(client: ChatClient, room: string, filePath: string, stateDir: string): Promise<void> {
  let path: string;
  let stat: { size: number; mtimeMs: number };
  try {
    path = realpathSync(filePath);
    stat = statSync(path);
  } catch {
    throw new ClientError('invalid_input', `Cannot read the file ${filePath}.`);
  }
  const records = new UploadRecords(join(stateDir, 'uploads.json'));
  const old = await records.find(room, path, stat.size, stat.mtimeMs);
  let file: FileInfo;
  if (old) {
    file = { blob: old.blob, key: unhex(old.key), chunk: old.chunk, size: old.size, sha256: unhex(old.sha256), name: old.name, mime: old.mime };
  } else {
    file = await describeFile(path);
    // Kept before the first byte goes out: a run killed mid-upload finds it again.
    await records.put({ room, path, size: file.size, mtimeMs: stat.mtimeMs, blob: file.blob, key: hex(file.key), chunk: file.chunk, sha256: hex(file.sha256), name: file.name, mime: file.mime });
  }
  await uploadFile(client, room, file, path, { onProgress: progressLine(`Uploading ${file.name}`) }).catch(transferError);
  let cid: string | undefined;
  const acked = new Promise<{ id: number; ts: number }>((resolve) => {
    client.onEvent((e) => {
      if (e.type === 'acked' && e.room === room && e.cid === cid) resolve({ id: e.id, ts: e.ts });
    });
  });
  let item: Parameters<typeof messageLine>[0] | undefined;
  const off = client.onEvent((e) => {
    if (e.type === 'pending' && e.room === room) item = e.item;
  });
  // The ack comes from the socket, so never before sendFile's own continuation runs.
  cid = await client.sendFile(room, file);
  off();
  // The message is in the outbox now (it goes again on any later run): the record has done its job.
  await records.remove(room, path);
  const { id, ts } = await acked;
  if (!item) throw new ClientError('invalid_input', 'The file message was not queued.');
  process.stdout.write(jsonLine(messageLine({ ...item, id, ts })));
}

/** Finds message `id` in `room`, downloads its file into `out` (resuming `out.part`) and prints what was saved. */
export async function fetchRun(client: ChatClient, room: string, id: number, out: string): Promise<void> {
  const page = await client.fetchHistory(room, { after: id - 1, limit: 1 });
  const item = page.messages.find((m) => m.id === id);
  if (!item) throw new ClientError('invalid_input', `There is no message ${id} in room "${room}".`);
  if (item.kind !== 'file') throw new ClientError('invalid_input', `Message ${id} is not a file (it is ${item.kind === 'placeholder' ? 'a message this client cannot show' : `a ${item.kind} message`}).`);
  await downloadFile(client, room, item.file, out, { onProgress: progressLine(`Downloading ${item.file.name}`) }).catch(transferError);
  process.stdout.write(jsonLine({ id, out, size: item.file.size, sha256: hex(item.file.sha256) }));
}
