// The commands of the `chat` CLI (send, read, follow): argument parsing, the runs
// against ChatClient, and the exit code for each error. chat.ts is the entry point.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ChatClient, type ChatEvent, type RoomItem, type ShownItem } from '../chat-client';
import { ClientError, ServerError, ServerUnreachableError } from '../errors';
import { FileStateStore } from '../file-store';
import { MemoryCursorStore } from '../storage';
import { PAGE_SIZE } from '../../protocol/constants';
import { isRoomName, normalizeDisplayName } from '../../protocol/names';
import { parseAddress, type TlsOptions } from '../connection';
import { parseInvite } from '../invite';
import { ReplayFileStore, ReplayMemory } from '../replay';
import { RoomParamsFile } from '../room-params';
import { MAX_MENTIONS, type Mention } from '../mentions';
import { EpochKeysFile } from '../epochs/store';
import { parseCodeSpec, snippetFromFile } from '../snippet';
import { KnownServersFile } from '../trust/known-servers';
import { decideTrust, firstUseQuestion, parseFingerprint, probeCertificate, UnknownCertificateError } from '../trust/tls';
import { fingerprint } from '../keys';
import { escapeName, pinKeyOf } from '../names';
import { loadOrCreateIdentity } from './identity-file';
import { jsonLine, messageLine } from './output';
import { foldedLines, modifierLine } from '../conversation/cli-lines';
import type { ModifierItem } from '../kinds/modifiers';
import { getPassphrase, PASSPHRASE_ENV } from './passphrase';
import { configDir, defaultIdentityPath, stateDir } from './paths';
import { askYesNo } from './prompt';

export const EXIT = { ok: 0, error: 1, wrongPassphrase: 2, unreachable: 3, noRoom: 4, certificate: 5, roomParams: 6 } as const;

const USAGE = `Usage: npm run chat -- <command> [options]

Commands:
  send    --server HOST:PORT --room ROOM --name NAME (--text TEXT | --image FILE | --code FILE[:START[-END]] [--lang ID])
          Sends one message (creating the room if it does not exist) and prints
          {"id":..,"ts":..,"cid":".."} once the server has stored it. --code shares lines of a file
          (its path relative to the current folder, or none when the file is outside it).
          --mention NAME (repeatable) mentions a member by a name pinned in the room (seen
          there before by this identity); the message carries their identity key.
  send    --server HOST:PORT --room ROOM --name NAME (--text TEXT | --image FILE | --file PATH)
          Sends one message (creating the room if it does not exist) and prints
          {"id":..,"ts":..,"cid":".."} once the server has stored it. With --file, any file
          up to the server's limit goes encrypted in chunks and the message's JSON line is
          printed; run it again after an interruption and the upload resumes.
  fetch   --server HOST:PORT --room ROOM --id ID --out PATH
          Downloads the file of message ID into PATH (through PATH.part, resumed when run
          again), checks its SHA-256, then renames it.
  read    --server HOST:PORT --room ROOM [--limit N] [--before ID | --after ID] [--raw]
          Prints messages oldest first, one JSON line each, then exits. Edits and reactions
          are folded into their messages ("edited", "reactions", and "mentions" as the shown
          text has them); --raw prints them as lines too.
  reply   --server HOST:PORT --room ROOM --name NAME --to ID --text TEXT
          Answers message ID; prints {"id","ts","cid","kind":"reply","reply_to"} once stored.
  react   --server HOST:PORT --room ROOM --name NAME --to ID --emoji EMOJI [--remove]
          Reacts to message ID with EMOJI (--remove takes it back).
  edit    --server HOST:PORT --room ROOM --name NAME --id ID --text TEXT [--mention NAME]...
          Replaces the text of your own message ID (others ignore an edit by anyone else).
          Its mentions become the --mention names (as for send; none without --mention).
  delete  --server HOST:PORT --room ROOM --id ID
          Deletes your own message ID for everyone; the server erases it. Prints {"id","deleted":true}.
  follow  --server HOST:PORT --room ROOM [--name NAME] [--limit N]
          Prints the last N (default 20) messages, then new ones until interrupted.
          With --name, each line typed on stdin is sent (and a missing room is created).
  rotate  --server HOST:PORT --room ROOM [--remove NAME]... [--name NAME]
          Owner only: gives the room new keys and prints {"epoch":..,"passphrase":"..","removed":[..]}
          with the new generated passphrase (for newcomers).
          Members named by --remove (display name or fingerprint) can no longer join, read new
          messages or post; everyone else follows without typing anything. They keep what they
          could already read.
  owners  --server HOST:PORT --room ROOM [--add NAME] [--name NAME]
          Lists the members who announced keys, owners marked, one JSON line each; with --add
          (owner only) makes that member an owner too.
  passphrase
          Prints a generated passphrase (six words from the EFF wordlist, about 77 bits).
  trust   --server HOST:PORT [--trust FINGERPRINT]
          Pins the server's current TLS certificate, replacing an old pin (after a changed certificate).
  forget-room --server HOST:PORT --room ROOM
          Forgets the pinned key parameters (salt, KDF) of a room, for a room deleted and made again.
  verify  --server HOST:PORT --room ROOM --name NAME
          Prints the identity key fingerprint pinned for NAME in ROOM (first seen by read/follow)
          and yours, to compare by voice: {"name":..,"room":..,"fingerprint":..,"yours":..}.

Options for every command:
  --invite STRING   an invite (message-app://HOST:PORT/ROOM#SHA256:...) in place of --server, --room, --trust
  --identity FILE   identity key file (default: ${defaultIdentityPath()}), created once with mode 0600
  --trust FP        accept the server certificate with this fingerprint (SHA256:...) without asking
  --ca FILE         also trust this PEM CA certificate
  --insecure        plain TCP, no TLS: anyone on the network sees room names and timing
  --tls             TLS (the default; accepted for older scripts)
  --timeout SEC     give up waiting for the server after SEC seconds (send, read; default 30)

TLS is on by default. A certificate no CA vouches for is shown by fingerprint on first contact and
pinned (in ${join(configDir(), 'known-servers.json')}) once accepted; a later different one fails.
A new room needs a strong passphrase (about 10^14 guesses or more); joining accepts any.
The passphrase comes from ${PASSPHRASE_ENV}, else a hidden prompt on a terminal.
Exit codes: 0 ok, 1 other error, 2 wrong passphrase, 3 server unreachable, 4 no such room,
5 server certificate unknown, changed or invalid, 6 the server changed the room's key parameters.
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
  code: { type: 'string' },
  lang: { type: 'string' },
  mention: { type: 'string', multiple: true },
  file: { type: 'string' },
  id: { type: 'string' },
  out: { type: 'string' },
  limit: { type: 'string' },
  before: { type: 'string' },
  after: { type: 'string' },
  identity: { type: 'string' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  trust: { type: 'string' },
  invite: { type: 'string' },
  timeout: { type: 'string' },
  to: { type: 'string' },
  emoji: { type: 'string' },
  remove: { type: 'boolean' },
  add: { type: 'string' },
  raw: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Section 12: `rotate` takes `--remove NAME` any number of times (a string here, a flag for `react`). */
const ROTATE_OPTIONS = { ...OPTIONS, remove: { type: 'string', multiple: true } } as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Which options each command takes (anything else is a usage error, not silently ignored). */
const CONNECT = ['server', 'room', 'invite', 'identity', 'tls', 'ca', 'insecure', 'trust'] as const;
const COMMANDS = ['send', 'read', 'follow', 'passphrase', 'trust', 'forget-room', 'fetch', 'reply', 'react', 'edit', 'delete', 'verify', 'rotate', 'owners'] as const;
type Command = (typeof COMMANDS)[number];
const ALLOWED: Record<Command, readonly (keyof typeof OPTIONS)[]> = {
  send: [...CONNECT, 'name', 'text', 'image', 'code', 'lang', 'mention', 'file', 'timeout'],
  fetch: [...CONNECT, 'id', 'out', 'timeout'],
  read: [...CONNECT, 'limit', 'before', 'after', 'timeout', 'raw'],
  reply: [...CONNECT, 'name', 'to', 'text', 'timeout'],
  react: [...CONNECT, 'name', 'to', 'emoji', 'remove', 'timeout'],
  edit: [...CONNECT, 'name', 'id', 'text', 'mention', 'timeout'],
  delete: [...CONNECT, 'id', 'timeout'],
  follow: [...CONNECT, 'name', 'limit'],
  passphrase: [],
  trust: ['server', 'invite', 'ca', 'trust', 'timeout'],
  'forget-room': ['server', 'room', 'invite'],
  verify: ['server', 'room', 'invite', 'identity', 'name'],
  rotate: [...CONNECT, 'remove', 'name', 'timeout'],
  owners: [...CONNECT, 'add', 'name', 'timeout'],
};

function isCommand(value: string): value is Command {
  return (COMMANDS as readonly string[]).includes(value);
}

export async function main(argv: string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  /** `rotate --remove NAME` (repeatable) takes names; `react --remove` is a flag: parsed apart. */
  let removeNames: string[] = [];
  try {
    if (argv[0] === 'rotate') {
      const r = parseArgs({ args: argv, options: ROTATE_OPTIONS, allowPositionals: true, strict: true });
      const { remove, ...rest } = r.values;
      removeNames = remove ?? [];
      parsed = { values: rest, positionals: r.positionals };
    } else {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    }
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
  if (!isCommand(command)) throw new UsageError(`Unknown command "${command}".`);
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}".`);
  for (const key of Object.keys(values) as (keyof typeof OPTIONS)[]) {
    if (values[key] !== undefined && !ALLOWED[command].includes(key)) throw new UsageError(`"${command}" does not take --${key}.`);
  }
  if (command === 'passphrase') {
    const { generatePassphrase } = await import('../passphrase');
    process.stdout.write(`${generatePassphrase()}\n`);
    return EXIT.ok;
  }
  const invite = values.invite === undefined ? undefined : parseInvite(values.invite);
  if (invite && (values.server !== undefined || values.room !== undefined)) throw new UsageError('Give --invite or --server/--room, not both.');
  if (invite && values.insecure) throw new UsageError('An invite is for TLS; --insecure does not go with it.');
  const server = invite?.server ?? required(values.server, '--server HOST:PORT');
  parseAddress(server);
  if (values.trust !== undefined && parseFingerprint(values.trust) === null) {
    throw new UsageError('--trust takes a certificate fingerprint like SHA256: followed by 43 base64 characters.');
  }
  const trustFingerprint = values.trust ?? invite?.fingerprint;
  if (command === 'trust') return trustCommand(server, trustFingerprint, values);
  const room = invite?.room ?? required(values.room, '--room ROOM');
  if (!isRoomName(room)) throw new UsageError('Room names are 1-64 characters of a-z, 0-9, ".", "_" or "-" and start with a letter or digit.');
  if (command === 'forget-room') {
    await new RoomParamsFile(roomParamsPath()).forget(server, room);
    process.stderr.write(`Forgot the key parameters of room "${room}" on ${server}; the next join pins them again.\n`);
    return EXIT.ok;
  }
  if (command === 'verify') return verifyCommand(values, server, room);
  if (values.insecure && (values.trust !== undefined || values.ca !== undefined || values.tls)) {
    throw new UsageError('--insecure turns TLS off; it does not go with --tls, --trust or --ca.');
  }
  // Each command checks its own arguments before context() touches any file.
  const ctx = (): Promise<Context> => context(values, server, trustFingerprint);
  switch (command) {
    case 'send':
      return send(ctx, room, values);
    case 'read':
      return read(ctx, room, values);
    case 'follow':
      return follow(ctx, room, values);
    case 'fetch':
      return fetchFile(ctx, room, values);
    case 'reply':
    case 'react':
    case 'edit':
      return modify(ctx, room, command, values);
    case 'delete':
      return deleteCommand(ctx, room, values);
    case 'rotate':
      return rotate(ctx, room, values, removeNames);
    case 'owners':
      return owners(ctx, room, values);
    default: {
      const never: never = command;
      throw new UsageError(`Unknown command "${String(never)}".`);
    }
  }
}

interface Context {
  makeClient(opts: { name?: string; initialHistory: number }): ChatClient;
  timeoutMs: number;
  replay: ReplayMemory;
  /** This identity's state folder on this server (outbox, pins, unfinished uploads). */
  dir: string;
}

function knownServersPath(): string {
  return join(configDir(), 'known-servers.json');
}

function roomParamsPath(): string {
  return join(configDir(), 'room-params.json');
}

async function readCa(values: Values): Promise<string | undefined> {
  if (values.ca === undefined) return undefined;
  return readFile(values.ca, 'utf8').catch(() => {
    throw new ClientError('invalid_input', `Cannot read the certificate file ${values.ca}.`);
  });
}

/**
 * The TLS options to connect with, after trust on first use: the pin when there is one (or the
 * user, --trust or an invite accepts the certificate now), plain CA verification when a CA vouches.
 * Throws CertificateChangedError or UnknownCertificateError (exit 5).
 */
async function resolveTls(server: string, ca: string | undefined, trustFingerprint: string | undefined, timeoutMs: number): Promise<TlsOptions> {
  const { host, port } = parseAddress(server);
  const known = new KnownServersFile(knownServersPath());
  const probe = await probeCertificate(host, port, { ...(ca !== undefined ? { ca } : {}), timeoutMs });
  const decision = await decideTrust(known, server, probe);
  const base: TlsOptions = ca !== undefined ? { ca } : {};
  switch (decision.kind) {
    case 'pinned':
      return { ...base, pin: decision.pin };
    case 'ca':
      return base;
    case 'ask': {
      if (trustFingerprint !== undefined) {
        if (trustFingerprint !== decision.fingerprint) {
          throw new UnknownCertificateError(server, decision.fingerprint, `it is not the expected ${trustFingerprint}; refusing to connect.`);
        }
      } else if (!(await askYesNo(firstUseQuestion(server, decision.fingerprint)))) {
        throw new UnknownCertificateError(
          server,
          decision.fingerprint,
          process.stdin.isTTY ? 'it was not accepted.' : `run in a terminal to be asked, or pass --trust ${decision.fingerprint} after checking it with the operator.`,
        );
      }
      await known.set(server, decision.fingerprint);
      process.stderr.write(`Pinned the certificate of ${server} (${decision.fingerprint}).\n`);
      return { ...base, pin: decision.fingerprint };
    }
    default: {
      const never: never = decision;
      return never;
    }
  }
}

/** `chat trust`: pins the server's current certificate on purpose, replacing an old pin. */
async function trustCommand(server: string, trustFingerprint: string | undefined, values: Values): Promise<number> {
  const { host, port } = parseAddress(server);
  const ca = await readCa(values);
  const timeoutMs = (values.timeout === undefined ? 30 : positiveInt(values.timeout, '--timeout')) * 1000;
  const probe = await probeCertificate(host, port, { ...(ca !== undefined ? { ca } : {}), timeoutMs });
  const known = new KnownServersFile(knownServersPath());
  const old = await known.get(server);
  if (trustFingerprint !== undefined) {
    if (trustFingerprint !== probe.fingerprint) {
      throw new UnknownCertificateError(server, probe.fingerprint, `it is not the given ${trustFingerprint}; nothing was pinned.`);
    }
  } else if (!(await askYesNo(firstUseQuestion(server, probe.fingerprint)))) {
    throw new UnknownCertificateError(server, probe.fingerprint, 'it was not accepted; pass --trust FINGERPRINT to pin it without a terminal.');
  }
  await known.set(server, probe.fingerprint);
  process.stderr.write(`Pinned the certificate of ${server} (${probe.fingerprint})${old && old !== probe.fingerprint ? `, replacing ${old}` : ''}.\n`);
  return EXIT.ok;
}

/**
 * `chat verify`: the fingerprint this identity pinned for a name in a room (by its TR39 skeleton,
 * as messages are checked) and its own, read from the local pin store; no connection is made.
 */
async function verifyCommand(values: Values, server: string, room: string): Promise<number> {
  const name = required(values.name, '--name NAME');
  const identityPath = values.identity ?? defaultIdentityPath();
  const identity = await loadOrCreateIdentity(identityPath);
  const pins = await new FileStateStore(stateDir(identityPath, server, identity.publicKey)).loadPins(room);
  const pinned = Object.prototype.hasOwnProperty.call(pins, pinKeyOf(name)) ? pins[pinKeyOf(name)] : undefined;
  if (pinned === undefined) {
    process.stderr.write(`No key is pinned for "${escapeName(name)}" in room "${room}" on ${server} yet: read the room first (npm run chat -- read ...).\n`);
    return EXIT.error;
  }
  process.stdout.write(jsonLine({ name: escapeName(name), room, fingerprint: fingerprint(Buffer.from(pinned, 'hex')), yours: identity.fingerprint }));
  return EXIT.ok;
}

async function context(values: Values, server: string, trustFingerprint: string | undefined): Promise<Context> {
  const identityPath = values.identity ?? defaultIdentityPath();
  const identity = await loadOrCreateIdentity(identityPath);
  const dir = stateDir(identityPath, server, identity.publicKey);
  const store = new FileStateStore(dir);
  const timeoutSec = values.timeout === undefined ? 30 : positiveInt(values.timeout, '--timeout');
  const tls: false | TlsOptions = values.insecure ? false : await resolveTls(server, await readCa(values), trustFingerprint, timeoutSec * 1000);
  // On a terminal only: a script that chose --insecure wants clean stderr.
  if (values.insecure && process.stderr.isTTY) process.stderr.write(`Warning: --insecure: talking to ${server} without TLS; the network sees room names and timing.\n`);
  const replay = new ReplayMemory(new ReplayFileStore(join(dir, 'replay')));
  const roomParams = new RoomParamsFile(roomParamsPath());
  return {
    timeoutMs: timeoutSec * 1000,
    replay,
    dir,
    makeClient: ({ name, initialHistory }) =>
      new ChatClient({
        address: server,
        tls: tls === false ? false : tls,
        identity,
        ...(name !== undefined ? { name } : {}),
        outbox: store,
        // Each run starts from the newest messages; the outbox and pins persist.
        cursors: new MemoryCursorStore(),
        pins: store,
        roomParams,
        replay,
        epochKeys: new EpochKeysFile(join(dir, 'room-keys.json')),
        checkNewPassphrase: async (passphrase, room) => {
          // Loaded only when a room is about to be created: the estimator's dictionaries are large.
          const { checkNewPassphrase } = await import('../passphrase');
          const verdict = checkNewPassphrase(passphrase, [room]);
          return verdict.ok ? undefined : verdict.sentence;
        },
        initialHistory,
        log: process.env.MESSAGE_APP_DEBUG ? (line) => process.stderr.write(`debug: ${line}\n`) : undefined,
      }),
  };
}

/** Runs `step` within the command's deadline (--timeout). */
type Within = <T>(step: () => Promise<T>) => Promise<T>;

/**
 * The frame of every one-shot command: connects, joins `room` (its passphrase asked first) within
 * the deadline, runs `work`, and closes the client and saves the replay memory whatever happens.
 */
async function inRoom<T>(
  makeContext: () => Promise<Context>,
  room: string,
  options: { name?: string; create?: boolean },
  work: (client: ChatClient, within: Within, ctx: Context) => Promise<T>,
): Promise<T> {
  const ctx = await makeContext();
  const passphrase = await getPassphrase(room);
  const client = ctx.makeClient({ ...(options.name !== undefined ? { name: options.name } : {}), initialHistory: 0 });
  const within: Within = (step) => withDeadline(client, ctx.timeoutMs, step);
  try {
    await client.connect();
    await within(() => client.joinRoom(room, passphrase, { create: options.create === true }));
    return await work(client, within, ctx);
  } finally {
    client.close();
    await ctx.replay.flush();
  }
}

/**
 * The server's id and time for the body `cid()` names, once stored. A full server fails the run: the
 * body stays in the outbox file and goes again on the next run that joins the room.
 */
function whenStored(client: ChatClient, room: string, cid: () => string): Promise<{ id: number; ts: number }> {
  return new Promise((resolve, reject) => {
    client.onEvent((e) => {
      if (e.type === 'acked' && e.room === room && e.cid === cid()) resolve({ id: e.id, ts: e.ts });
      else if (e.type === 'error' && e.room === room && e.code === 'full') reject(new ServerError('full', room));
    });
  });
}

async function send(makeContext: () => Promise<Context>, room: string, values: Values): Promise<number> {
  const name = required(values.name, '--name NAME');
  const given = [values.text, values.image, values.code, values.file].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UsageError('Give exactly one of --text TEXT, --image FILE, --code FILE[:START[-END]] or --file PATH.');
  if (values.lang !== undefined && values.code === undefined) throw new UsageError('--lang goes with --code.');
  if (values.mention !== undefined && values.file !== undefined) throw new UsageError('--mention goes with --text, --image or --code.');
  if (values.file !== undefined) return sendFile(makeContext, room, name, values.file);
  // Prepare the image or snippet before connecting: a refused file should not cost a round trip.
  const image = values.image === undefined ? undefined : await loadImage(values.image);
  const snippet = values.code === undefined ? undefined : await snippetFromFile(parseCodeSpec(values.code), process.cwd(), values.lang);
  return inRoom(makeContext, room, { name, create: true }, (client, within) =>
    within(async () => {
      const mentions = mentionsByName(client, room, values.mention ?? []);
      let cid = '';
      const stored = whenStored(client, room, () => cid);
      cid = image
        ? await client.sendImage(room, image, mentions)
        : snippet
          ? await client.sendCode(room, snippet, mentions)
          : await client.sendText(room, values.text ?? '', mentions);
      const { id, ts } = await stored;
      process.stdout.write(jsonLine({ id, ts, cid }));
      return EXIT.ok;
    }),
  );
}

/**
 * `--mention NAME`: each name's identity key as pinned in the room (PROTOCOL.md section 10 mentions
 * keys, not names); a name nobody is pinned under is refused with a sentence before anything is sent.
 */
function mentionsByName(client: ChatClient, room: string, names: readonly string[]): Mention[] {
  const out: Mention[] = [];
  for (const raw of names) {
    const name = normalizeDisplayName(raw);
    const keyHex = name === null ? undefined : client.pinnedKeyOf(room, name);
    if (name === null || keyHex === undefined) {
      throw new ClientError('invalid_input', `No one named "${raw}" is pinned in room "${room}"; read the room first (npm run chat -- read) to see who is there.`, room);
    }
    const key = new Uint8Array(Buffer.from(keyHex, 'hex'));
    if (!out.some((m) => Buffer.from(m.key).equals(Buffer.from(key)))) out.push({ key, name });
  }
  if (out.length > MAX_MENTIONS) throw new ClientError('invalid_input', `A message can mention at most ${MAX_MENTIONS} people.`, room);
  return out;
}

/** `send --file`: the deadline covers connecting and joining; the transfer has its own silence timeout and resume. */
async function sendFile(makeContext: () => Promise<Context>, room: string, name: string, path: string): Promise<number> {
  const { sendFileRun } = await import('./files');
  // The upload itself has no deadline: a 1 GiB file takes as long as it takes.
  return inRoom(makeContext, room, { name, create: true }, async (client, _within, ctx) => {
    await sendFileRun(client, room, path, ctx.dir);
    return EXIT.ok;
  });
}

/** `fetch`: one file message's blob into --out. */
async function fetchFile(makeContext: () => Promise<Context>, room: string, values: Values): Promise<number> {
  const id = positiveInt(required(values.id, '--id ID'), '--id');
  const out = required(values.out, '--out PATH');
  const { fetchRun } = await import('./files');
  return inRoom(makeContext, room, {}, async (client) => {
    await fetchRun(client, room, id, out);
    return EXIT.ok;
  });
}

/** `rotate`: new keys for the room (owner only); prints the new passphrase on stdout. */
async function rotate(makeContext: () => Promise<Context>, room: string, values: Values, remove: string[]): Promise<number> {
  return inRoom(makeContext, room, { ...(values.name !== undefined ? { name: values.name } : {}) }, async (client, within) => {
    const result = await within(() => client.rotate(room, { remove }));
    const who = result.removed.map((r) => r.name).join(', ');
    process.stderr.write(
      `${who ? `Removed ${who} from` : 'Changed the passphrase of'} room "${room}" (key epoch ${result.epoch}). The new passphrase for newcomers:\n`,
    );
    // One JSON line like every other command's output, so scripts can read it.
    process.stdout.write(jsonLine({ epoch: result.epoch, passphrase: result.passphrase, removed: result.removed.map((r) => r.name) }));
    return EXIT.ok;
  });
}

/** `owners`: the members who announced keys (owners marked); `--add NAME` makes one an owner. */
async function owners(makeContext: () => Promise<Context>, room: string, values: Values): Promise<number> {
  return inRoom(makeContext, room, { ...(values.name !== undefined ? { name: values.name } : {}) }, async (client, within) => {
    const members = await within(async () => {
      if (values.add !== undefined) await client.addOwner(room, values.add);
      return client.members(room);
    });
    for (const m of members) process.stdout.write(jsonLine({ name: m.name, fingerprint: m.fingerprint, owner: m.owner, self: m.self }));
    return EXIT.ok;
  });
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
  return inRoom(makeContext, room, {}, async (client, within) => {
    const { items, modifiers } = await within(() => (after !== undefined ? readForward(client, room, after, limit) : readBackward(client, room, before, limit)));
    if (values.raw) {
      const lines: { id: number; line: unknown }[] = [
        ...items.map((item) => ({ id: item.id, line: messageLine(item) })),
        ...modifiers.map((m) => ({ id: m.id, line: modifierLine(m) })),
      ];
      for (const { line } of lines.sort((a, b) => a.id - b.id)) process.stdout.write(jsonLine(line));
    } else {
      for (const line of foldedLines(items, modifiers)) process.stdout.write(jsonLine(line));
    }
    return EXIT.ok;
  });
}

/** The oldest `limit` messages after `after`, in pages of up to 200. */
async function readForward(client: ChatClient, room: string, after: number, limit: number): Promise<ReadResult> {
  const items: RoomItem[] = [];
  const modifiers: ModifierItem[] = [];
  let cursor = after;
  while (items.length < limit) {
    const page = await client.fetchHistory(room, { after: cursor, limit: Math.min(200, limit - items.length) });
    items.push(...page.messages);
    modifiers.push(...page.modifiers);
    const last = Math.max(page.messages.at(-1)?.id ?? 0, page.modifiers.at(-1)?.id ?? 0);
    if (!page.more || last === 0) break;
    cursor = last;
  }
  return { items, modifiers };
}

interface ReadResult {
  items: RoomItem[];
  modifiers: ModifierItem[];
}

/** The newest `limit` messages (before `before`, if given), returned oldest first. */
async function readBackward(client: ChatClient, room: string, before: number | undefined, limit: number): Promise<ReadResult> {
  let items: RoomItem[] = [];
  const modifiers: ModifierItem[] = [];
  let cursor = before;
  while (items.length < limit) {
    const size = Math.min(200, limit - items.length);
    const page = await client.fetchHistory(room, cursor === undefined ? { limit: size } : { before: cursor, limit: size });
    items = [...page.messages, ...items];
    modifiers.push(...page.modifiers);
    const first = Math.min(page.messages[0]?.id ?? Infinity, page.modifiers[0]?.id ?? Infinity);
    if (!page.more || first === Infinity) break;
    cursor = first;
  }
  return { items, modifiers };
}

/** The message with server id `id`, or a sentence saying why there is none to act on. */
async function messageById(client: ChatClient, room: string, id: number): Promise<RoomItem> {
  const page = await client.fetchHistory(room, { before: id + 1, limit: 1 });
  const item = page.messages.find((m) => m.id === id);
  if (item) return item;
  if (page.modifiers.some((m) => m.id === id)) throw new ClientError('invalid_input', `Message ${id} is an edit or a reaction, not a message.`, room);
  throw new ClientError('invalid_input', `There is no message ${id} in room "${room}".`, room);
}

/** `chat delete`: our own message, for everyone; `forbidden` (not ours) exits 1 with the server's sentence. */
async function deleteCommand(makeContext: () => Promise<Context>, room: string, values: Values): Promise<number> {
  const id = positiveInt(required(values.id, '--id ID'), '--id');
  return inRoom(makeContext, room, {}, (client, within) =>
    within(async () => {
      const target = await messageById(client, room, id);
      await client.deleteMessage(room, { id, cid: target.cid });
      process.stdout.write(jsonLine({ id, deleted: true }));
      return EXIT.ok;
    }),
  );
}

/** `chat reply`, `chat react`, `chat edit`: one body naming a message by id, printed once stored. */
async function modify(makeContext: () => Promise<Context>, room: string, command: 'reply' | 'react' | 'edit', values: Values): Promise<number> {
  const name = required(values.name, '--name NAME');
  const id = positiveInt(required(command === 'edit' ? values.id : values.to, command === 'edit' ? '--id ID' : '--to ID'), command === 'edit' ? '--id' : '--to');
  const text = command === 'react' ? undefined : required(values.text, '--text TEXT');
  const emoji = command === 'react' ? required(values.emoji, '--emoji EMOJI') : undefined;
  return inRoom(makeContext, room, { name }, (client, within) =>
    within(async () => {
      const target = await messageById(client, room, id);
      let cid = '';
      const acked = whenStored(client, room, () => cid);
      let extra: Record<string, unknown>;
      if (command === 'reply') {
        cid = await client.sendReply(room, id, text ?? '');
        extra = { kind: 'reply', reply_to: id };
      } else if (target.kind === 'placeholder' || target.kind === 'line') {
        throw new ClientError('invalid_input', `Message ${id} cannot be read here, so it cannot be changed.`, room);
      } else if (command === 'edit') {
        if (!target.own) throw new ClientError('invalid_input', `Message ${id} was not sent by this identity: only your own messages can be edited.`, room);
        if (target.kind !== 'text' && target.kind !== 'reply') throw new ClientError('invalid_input', `Message ${id} has no text to edit.`, room);
        // Section 13: the edit always carries the field, so the mentions follow the new text ([] clears them).
        cid = await client.sendEdit(room, { key: target.from.key, cid: target.cid }, text ?? '', mentionsByName(client, room, values.mention ?? []));
        extra = { kind: 'edit', to: id };
      } else {
        cid = await client.sendReaction(room, { key: target.from.key, cid: target.cid }, emoji ?? '', { remove: values.remove === true });
        extra = values.remove ? { kind: 'reaction', to: id, emoji, remove: true } : { kind: 'reaction', to: id, emoji };
      }
      const stored = await acked;
      process.stdout.write(jsonLine({ id: stored.id, ts: stored.ts, cid, ...extra }));
      return EXIT.ok;
    }),
  );
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
  /** Set once the run must end with this exit code (a certificate that changed while following). */
  let fatalExit: ((code: number) => void) | undefined;
  let fatalCode: number | undefined;
  client.onEvent((e: ChatEvent) => {
    switch (e.type) {
      case 'message':
        if (e.room === room) process.stdout.write(jsonLine(messageLine(e.item)));
        return;
      case 'modifier':
        // A stream cannot change a line already printed: an edit or reaction is a line of its own here.
        if (e.room === room) process.stdout.write(jsonLine(modifierLine(e.modifier)));
        return;
      case 'deleted':
        if (e.room === room) process.stdout.write(jsonLine({ id: e.id, deleted: true }));
        return;
      case 'typing':
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
        // The connection does not retry these: end the run with their exit code instead of waiting forever.
        if (e.code === 'certificate_changed' || e.code === 'untrusted_certificate') {
          fatalCode = EXIT.certificate;
          fatalExit?.(fatalCode);
        }
        return;
      case 'epoch':
        // Section 12.5's room line comes as a 'line' item (a `message` event above, printed as
        // {"kind":"room-line",...}); the event itself prints nothing, so the line is printed once.
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
    const stop = (code: number = EXIT.ok): void => {
      client.close();
      void ctx.replay.flush().then(() => resolve(code));
    };
    fatalExit = stop;
    if (fatalCode !== undefined) return stop(fatalCode);
    process.once('SIGINT', () => stop());
    process.once('SIGTERM', () => stop());
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
      case 'untrusted_certificate':
      case 'certificate_changed':
        return EXIT.certificate;
      case 'room_params_changed':
        return EXIT.roomParams;
      default:
        return EXIT.error;
    }
  }
  return EXIT.error;
}
