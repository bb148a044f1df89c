// The commands of the `chat` CLI (send, read, follow): argument parsing, the runs
// against ChatClient, and the exit code for each error. chat.ts is the entry point.

import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ChatClient, type ChatEvent, type RoomItem, type ShownItem } from '../chat-client';
import { ClientError, ServerError, ServerUnreachableError } from '../errors';
import { FileStateStore } from '../file-store';
import { MemoryCursorStore } from '../storage';
import { PAGE_SIZE } from '../../protocol/constants';
import { isRoomName } from '../../protocol/names';
import type { TlsOptions } from '../connection';
import { loadOrCreateIdentity } from './identity-file';
import { jsonLine, messageLine } from './output';
import { getPassphrase, PASSPHRASE_ENV } from './passphrase';
import { defaultIdentityPath, stateDir } from './paths';

export const EXIT = { ok: 0, error: 1, wrongPassphrase: 2, unreachable: 3, noRoom: 4 } as const;

const USAGE = `Usage: npm run chat -- <command> [options]

Commands:
  send    --server HOST:PORT --room ROOM --name NAME (--text TEXT | --image FILE)
          Sends one message (creating the room if it does not exist) and prints
          {"id":..,"ts":..,"cid":".."} once the server has stored it.
  read    --server HOST:PORT --room ROOM [--limit N] [--before ID | --after ID]
          Prints messages oldest first, one JSON line each, then exits.
  follow  --server HOST:PORT --room ROOM [--name NAME] [--limit N]
          Prints the last N (default 20) messages, then new ones until interrupted.
          With --name, each line typed on stdin is sent (and a missing room is created).

Options for every command:
  --identity FILE   identity key file (default: ${defaultIdentityPath()}), created once with mode 0600
  --tls             connect with TLS;  --ca FILE  trust this PEM certificate (self-signed servers)
  --timeout SEC     give up waiting for the server after SEC seconds (send, read; default 30)

The passphrase comes from ${PASSPHRASE_ENV}, else a hidden prompt on a terminal.
Exit codes: 0 ok, 1 other error, 2 wrong passphrase, 3 server unreachable, 4 no such room.
Scripts: "npm run -s chat -- ..." keeps npm's banner off stdout (or run "bun client/cli/chat.ts").`;

class UsageError extends ClientError {
  constructor(message: string) {
    super('invalid_input', `${message} Run "npm run chat -- --help" for usage.`);
  }
}

const OPTIONS = {
  server: { type: 'string' },
  room: { type: 'string' },
  name: { type: 'string' },
  text: { type: 'string' },
  image: { type: 'string' },
  limit: { type: 'string' },
  before: { type: 'string' },
  after: { type: 'string' },
  identity: { type: 'string' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Which options each command takes (anything else is a usage error, not silently ignored). */
const ALLOWED: Record<'send' | 'read' | 'follow', readonly (keyof typeof OPTIONS)[]> = {
  send: ['server', 'room', 'name', 'text', 'image', 'identity', 'tls', 'ca', 'timeout'],
  read: ['server', 'room', 'limit', 'before', 'after', 'identity', 'tls', 'ca', 'timeout'],
  follow: ['server', 'room', 'name', 'limit', 'identity', 'tls', 'ca'],
};

export async function main(argv: string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? firstSentence(error.message) : 'Invalid arguments.');
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (command === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return EXIT.error;
  }
  if (command !== 'send' && command !== 'read' && command !== 'follow') throw new UsageError(`Unknown command "${command}".`);
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}".`);
  for (const key of Object.keys(values) as (keyof typeof OPTIONS)[]) {
    if (values[key] !== undefined && !ALLOWED[command].includes(key)) throw new UsageError(`"${command}" does not take --${key}.`);
  }
  const server = required(values.server, '--server HOST:PORT');
  const room = required(values.room, '--room ROOM');
  if (!isRoomName(room)) throw new UsageError('Room names are 1-64 characters of a-z, 0-9, ".", "_" or "-" and start with a letter or digit.');
  // Each command checks its own arguments before context() touches any file.
  const ctx = (): Promise<Context> => context(values, server);
  switch (command) {
    case 'send':
      return send(ctx, room, values);
    case 'read':
      return read(ctx, room, values);
    case 'follow':
      return follow(ctx, room, values);
    default: {
      const never: never = command;
      throw new UsageError(`Unknown command "${String(never)}".`);
    }
  }
}

interface Context {
  makeClient(opts: { name?: string; initialHistory: number }): ChatClient;
  timeoutMs: number;
}

async function context(values: Values, server: string): Promise<Context> {
  const identityPath = values.identity ?? defaultIdentityPath();
  const identity = await loadOrCreateIdentity(identityPath);
  const store = new FileStateStore(stateDir(identityPath, server, identity.publicKey));
  let tls: boolean | TlsOptions | undefined = values.tls;
  if (values.ca !== undefined) {
    const ca = await readFile(values.ca, 'utf8').catch(() => {
      throw new ClientError('invalid_input', `Cannot read the certificate file ${values.ca}.`);
    });
    tls = { ca };
  }
  const timeoutSec = values.timeout === undefined ? 30 : positiveInt(values.timeout, '--timeout');
  return {
    timeoutMs: timeoutSec * 1000,
    makeClient: ({ name, initialHistory }) =>
      new ChatClient({
        address: server,
        ...(tls !== undefined ? { tls } : {}),
        identity,
        ...(name !== undefined ? { name } : {}),
        outbox: store,
        // Each run starts from the newest messages; the outbox and pins persist.
        cursors: new MemoryCursorStore(),
        pins: store,
        initialHistory,
        log: process.env.MESSAGE_APP_DEBUG ? (line) => process.stderr.write(`debug: ${line}\n`) : undefined,
      }),
  };
}

async function send(makeContext: () => Promise<Context>, room: string, values: Values): Promise<number> {
  const name = required(values.name, '--name NAME');
  if ((values.text === undefined) === (values.image === undefined)) throw new UsageError('Give exactly one of --text TEXT or --image FILE.');
  // Prepare the image before connecting: a refused file should not cost a round trip.
  const image = values.image === undefined ? undefined : await loadImage(values.image);
  const ctx = await makeContext();
  const passphrase = await getPassphrase(room);
  const client = ctx.makeClient({ name, initialHistory: 0 });
  try {
    await client.connect();
    return await withDeadline(client, ctx.timeoutMs, async () => {
      await client.joinRoom(room, passphrase, { create: true });
      const acked = new Promise<{ id: number; ts: number }>((resolve, reject) => {
        client.onEvent((e) => {
          if (e.type === 'acked' && e.room === room && e.cid === cid) resolve({ id: e.id, ts: e.ts });
          // The server is out of space: waiting cannot help this run; the message stays in the
          // outbox file and goes again on the next run that joins the room.
          else if (e.type === 'error' && e.room === room && e.code === 'full') reject(new ServerError('full', room));
        });
      });
      const cid = image ? await client.sendImage(room, image) : await client.sendText(room, values.text ?? '');
      const { id, ts } = await acked;
      process.stdout.write(jsonLine({ id, ts, cid }));
      return EXIT.ok;
    });
  } finally {
    client.close();
  }
}

async function loadImage(path: string): Promise<Parameters<ChatClient['sendImage']>[1]> {
  // Loaded only for --image: the image pipeline is the heaviest part of the client.
  const { prepareImage, ImageError } = await import('../images/prepare');
  try {
    return await prepareImage({ path });
  } catch (error) {
    if (error instanceof ImageError) throw new ClientError('invalid_input', error.message);
    throw error;
  }
}

async function read(makeContext: () => Promise<Context>, room: string, values: Values): Promise<number> {
  const limit = values.limit === undefined ? PAGE_SIZE : positiveInt(values.limit, '--limit');
  if (values.before !== undefined && values.after !== undefined) throw new UsageError('Give --before or --after, not both.');
  const before = values.before === undefined ? undefined : positiveInt(values.before, '--before');
  const after = values.after === undefined ? undefined : nonNegativeInt(values.after, '--after');
  const ctx = await makeContext();
  const passphrase = await getPassphrase(room);
  const client = ctx.makeClient({ initialHistory: 0 });
  try {
    await client.connect();
    const items = await withDeadline(client, ctx.timeoutMs, async () => {
      await client.joinRoom(room, passphrase);
      return after !== undefined ? readForward(client, room, after, limit) : readBackward(client, room, before, limit);
    });
    for (const item of items) process.stdout.write(jsonLine(messageLine(item)));
    return EXIT.ok;
  } finally {
    client.close();
  }
}

/** The oldest `limit` messages after `after`, in pages of up to 200. */
async function readForward(client: ChatClient, room: string, after: number, limit: number): Promise<RoomItem[]> {
  const items: RoomItem[] = [];
  let cursor = after;
  while (items.length < limit) {
    const page = await client.fetchHistory(room, { after: cursor, limit: Math.min(200, limit - items.length) });
    items.push(...page.messages);
    const last = page.messages.at(-1);
    if (!page.more || !last) break;
    cursor = last.id;
  }
  return items;
}

/** The newest `limit` messages (before `before`, if given), returned oldest first. */
async function readBackward(client: ChatClient, room: string, before: number | undefined, limit: number): Promise<RoomItem[]> {
  let items: RoomItem[] = [];
  let cursor = before;
  while (items.length < limit) {
    const size = Math.min(200, limit - items.length);
    const page = await client.fetchHistory(room, cursor === undefined ? { limit: size } : { before: cursor, limit: size });
    items = [...page.messages, ...items];
    const first = page.messages[0];
    if (!page.more || !first) break;
    cursor = first.id;
  }
  return items;
}

async function follow(makeContext: () => Promise<Context>, room: string, values: Values): Promise<number> {
  const limit = values.limit === undefined ? 20 : nonNegativeInt(values.limit, '--limit');
  const name = values.name;
  const ctx = await makeContext();
  const passphrase = await getPassphrase(room);
  const client = ctx.makeClient({ ...(name !== undefined ? { name } : {}), initialHistory: limit });
  const pending = new Map<string, ShownItem>();
  let wasJoined = false;
  let down = false;
  client.onEvent((e: ChatEvent) => {
    switch (e.type) {
      case 'message':
        if (e.room === room) process.stdout.write(jsonLine(messageLine(e.item)));
        return;
      case 'pending':
        pending.set(e.cid, e.item);
        return;
      case 'acked': {
        // Own messages are printed once the server has stored them, with its id.
        const item = pending.get(e.cid);
        pending.delete(e.cid);
        if (item) process.stdout.write(jsonLine(messageLine({ ...item, id: e.id, ts: e.ts })));
        return;
      }
      case 'state':
        if (e.state === 'reconnecting' && wasJoined && !down) {
          down = true;
          process.stderr.write('Connection to the server lost; reconnecting.\n');
        } else if (e.state === 'joined') {
          if (down) process.stderr.write('Reconnected.\n');
          down = false;
          wasJoined = true;
        }
        return;
      case 'error':
        if (e.code !== 'disconnected' && e.code !== 'unreachable') process.stderr.write(`${e.message}\n`);
        return;
      case 'room':
      case 'presence':
        return;
      default: {
        const never: never = e;
        void never;
      }
    }
  });

  try {
    await client.connect();
    await client.joinRoom(room, passphrase, { create: name !== undefined });
  } catch (error) {
    client.close();
    throw error;
  }

  return new Promise<number>((resolve) => {
    const stop = (): void => {
      client.close();
      resolve(EXIT.ok);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (name !== undefined) {
      const lines = createInterface({ input: process.stdin, terminal: false });
      lines.on('line', (line) => {
        const text = line.replace(/\r$/, '');
        if (text.trim() === '') return;
        client.sendText(room, text).catch((error: unknown) => {
          process.stderr.write(`${error instanceof ClientError ? error.message : 'The message could not be queued.'}\n`);
        });
      });
    }
  });
}

/**
 * Runs `work`, failing after `ms`: as "unreachable" while the client is trying to
 * reconnect (the server went away), otherwise as a timeout.
 */
async function withDeadline<T>(client: ChatClient, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (client.state === 'reconnecting' || client.state === 'connecting') {
        reject(new ServerUnreachableError(client.address, `no answer within ${ms / 1000} s`));
      } else {
        reject(new ClientError('timeout', `The server did not answer within ${ms / 1000} s.`));
      }
    }, ms);
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`Missing ${what}.`);
  return value;
}

function positiveInt(text: string, what: string): number {
  const n = nonNegativeInt(text, what);
  if (n === 0) throw new UsageError(`${what} must be at least 1.`);
  return n;
}

function nonNegativeInt(text: string, what: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`${what} must be a whole number.`);
  return Number(text);
}

/** parseArgs explains at length; the first sentence is the useful part. */
function firstSentence(message: string): string {
  const line = (message.split('\n')[0] ?? message).split(/(?<=\.) /)[0] ?? message;
  return line.endsWith('.') ? line : `${line}.`;
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof ClientError) {
    switch (error.code) {
      case 'bad_proof':
        return EXIT.wrongPassphrase;
      case 'unreachable':
        return EXIT.unreachable;
      case 'no_room':
        return EXIT.noRoom;
      default:
        return EXIT.error;
    }
  }
  return EXIT.error;
}
