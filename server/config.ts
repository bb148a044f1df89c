// Server settings: command-line flags over MESSAGE_APP_* environment variables over defaults.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_FRAME } from '../protocol/constants';
import type { SyncMode } from './store';

export interface ServerConfig {
  host: string;
  port: number;
  /** Absolute path of the SQLite file. */
  dataFile: string;
  maxFrame: number;
  maxConnections: number;
  /** TLS is on unless `--tls off`; without cert/key files a self-signed pair lives beside dataFile (server/tls.ts). */
  tls: boolean;
  tlsCert?: string;
  tlsKey?: string;
  /** A connection that has joined no room this long after `hello` is closed. */
  joinTimeoutMs: number;
  /** A connection that has sent no frame for this long is closed. */
  idleTimeoutMs: number;
  /** Token bucket per connection: sustained frames per second and burst. */
  rate: number;
  burst: number;
  /** A reader whose unsent output passes this many bytes is cut off. */
  maxQueueBytes: number;
  /** When an ack may go out: after the commit reached the WAL file (normal) or after an fsync (full). */
  sync: SyncMode;
  /** Connections from one address (IPv6: one /64); more get "busy". */
  maxConnectionsPerAddress: number;
  /** Rooms one address (IPv6: one /64) may create per hour. */
  maxNewRooms: number;
  /** Rooms the server holds at most. */
  maxRooms: number;
  /** Envelope bytes one room may store; a send past it gets "full". */
  maxRoomBytes: number;
  /** Free space the data volume keeps; a send that would eat into it gets "full". */
  minFreeBytes: number;
  /**
   * Smallest scrypt N a `create` may use (PROTOCOL.md section 3: 2^15). Only
   * tests lower it, through MESSAGE_APP_TEST_KDF_FLOOR, so their rooms derive keys fast.
   */
  kdfFloorN: number;
  /** Tests only (MESSAGE_APP_TEST_FREE_BYTES_FILE): a file whose number replaces the volume's free bytes. */
  testFreeBytesFile?: string;
  /** Largest file (plaintext bytes a blob implies) a `blob_put` may announce (PROTOCOL.md section 9.3). */
  maxFile: number;
}

export const DEFAULTS = {
  host: '0.0.0.0',
  port: 7443,
  data: './data/chat.db',
  maxFrame: DEFAULT_MAX_FRAME,
  maxConnections: 10_000,
  joinTimeoutSeconds: 30,
  idleTimeoutSeconds: 75,
  rate: 200,
  burst: 400,
  maxQueueBytes: 8 * 1024 * 1024,
  sync: 'normal',
  maxConnectionsPerAddress: 64,
  maxNewRooms: 20,
  maxRooms: 10_000,
  maxRoomBytes: 5 * 1024 ** 3,
  minFreeBytes: 1024 ** 3,
  kdfFloorN: 2 ** 15,
  maxFile: 1024 * 1024 * 1024,
} as const;

/** A bad flag or variable: main prints `message` (a sentence) and exits with status 2. */
export class ConfigError extends Error {
  readonly code = 'bad_config';
}

export const USAGE = `Usage: bun server/main.ts [options]   (or: npm run server -- [options])

The Message App relay: stores and forwards end-to-end encrypted messages.

Options (each also read from the environment variable shown):
  --host HOST             address to listen on (MESSAGE_APP_HOST, default ${DEFAULTS.host})
  --port PORT             TCP port, 0 for any free port (MESSAGE_APP_PORT, default ${DEFAULTS.port})
  --data FILE             SQLite file, folder created if missing (MESSAGE_APP_DATA, default ${DEFAULTS.data})
  --max-frame BYTES       largest frame body accepted (MESSAGE_APP_MAX_FRAME, default ${DEFAULTS.maxFrame})
  --max-connections N     connection cap; more get "busy" (MESSAGE_APP_MAX_CONNECTIONS, default ${DEFAULTS.maxConnections})
  --tls on|off            TLS (default on); off sends room names and timing in the clear (MESSAGE_APP_TLS)
  --tls-cert FILE         PEM certificate; without it a self-signed one is made in the data folder (MESSAGE_APP_TLS_CERT)
  --tls-key FILE          PEM private key, with --tls-cert (MESSAGE_APP_TLS_KEY)
  --fingerprint           print the TLS certificate's SHA-256 fingerprint and exit
  --join-timeout SECONDS  close connections that join no room in time (MESSAGE_APP_JOIN_TIMEOUT, default ${DEFAULTS.joinTimeoutSeconds})
  --idle-timeout SECONDS  close connections silent this long (MESSAGE_APP_IDLE_TIMEOUT, default ${DEFAULTS.idleTimeoutSeconds})
  --sync normal|full      ack after the commit reached the WAL (normal: survives a crash of the
                          server, not a power cut) or after an fsync (full: survives power cuts,
                          at the disk's fsync latency) (MESSAGE_APP_SYNC, default ${DEFAULTS.sync})
  --max-file BYTES        largest file accepted, refused before any byte (MESSAGE_APP_MAX_FILE, default ${DEFAULTS.maxFile})
  --rate N                frames per second per connection (MESSAGE_APP_RATE, default ${DEFAULTS.rate})
  --burst N               frames a connection may send at once (MESSAGE_APP_BURST, default ${DEFAULTS.burst})
  --max-connections-per-address N
                          connections from one address, IPv6 per /64; more get "busy"
                          (MESSAGE_APP_MAX_CONNECTIONS_PER_ADDRESS, default ${DEFAULTS.maxConnectionsPerAddress})
  --max-new-rooms N       rooms one address may create per hour (MESSAGE_APP_MAX_NEW_ROOMS, default ${DEFAULTS.maxNewRooms})
  --max-rooms N           rooms on the server (MESSAGE_APP_MAX_ROOMS, default ${DEFAULTS.maxRooms})
  --max-room-bytes BYTES  envelope bytes one room may store; more get "full" (MESSAGE_APP_MAX_ROOM_BYTES, default 5 GiB)
  --min-free-bytes BYTES  free space kept on the data volume; sends that would use it get "full"
                          (MESSAGE_APP_MIN_FREE_BYTES, default 1 GiB)
  -h, --help              show this help
`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  data: { type: 'string' },
  'max-frame': { type: 'string' },
  'max-connections': { type: 'string' },
  tls: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  fingerprint: { type: 'boolean' },
  'join-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  rate: { type: 'string' },
  burst: { type: 'string' },
  sync: { type: 'string' },
  'max-connections-per-address': { type: 'string' },
  'max-new-rooms': { type: 'string' },
  'max-rooms': { type: 'string' },
  'max-room-bytes': { type: 'string' },
  'min-free-bytes': { type: 'string' },
  'max-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `fingerprint`: print the certificate's fingerprint and exit instead of serving. */
export type ParsedCommandLine = { help: true } | { help: false; fingerprint: boolean; config: ServerConfig };

/**
 * Reads the configuration. Throws ConfigError with a sentence naming the flag
 * (or variable) and what it accepts.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): ParsedCommandLine {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    // parseArgs messages are already sentences, e.g. "Unknown option '--prot'".
    throw new ConfigError(error instanceof Error ? error.message.split('\n')[0] ?? 'Bad arguments.' : 'Bad arguments.');
  }
  if (values.help) return { help: true };

  const pick = (flag: keyof typeof OPTIONS, variable: string): { value: string; source: string } | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return { value: fromFlag, source: `--${flag}` };
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: variable };
    return undefined;
  };
  const int = (flag: keyof typeof OPTIONS, variable: string, fallback: number, min: number, max: number): number => {
    const got = pick(flag, variable);
    if (!got) return fallback;
    const n = /^\d+$/.test(got.value.trim()) ? Number(got.value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(`${got.source} must be a whole number from ${min} to ${max}, not ${JSON.stringify(got.value)}.`);
    }
    return n;
  };

  const host = pick('host', 'MESSAGE_APP_HOST')?.value ?? DEFAULTS.host;
  if (host.trim() === '' || /\s/.test(host)) throw new ConfigError(`--host must be a host name or address, not ${JSON.stringify(host)}.`);
  const port = int('port', 'MESSAGE_APP_PORT', DEFAULTS.port, 0, 65535);
  const data = pick('data', 'MESSAGE_APP_DATA')?.value ?? DEFAULTS.data;
  // At least 4 KiB: room for any control frame and for an envelope after the slack
  // every relayed frame keeps (handler.ts FRAME_SLACK); 1 GiB is far past any sane limit.
  const maxFrame = int('max-frame', 'MESSAGE_APP_MAX_FRAME', DEFAULTS.maxFrame, 4096, 1024 * 1024 * 1024);
  const maxConnections = int('max-connections', 'MESSAGE_APP_MAX_CONNECTIONS', DEFAULTS.maxConnections, 1, 1_000_000);
  const joinTimeout = int('join-timeout', 'MESSAGE_APP_JOIN_TIMEOUT', DEFAULTS.joinTimeoutSeconds, 1, 86_400);
  const idleTimeout = int('idle-timeout', 'MESSAGE_APP_IDLE_TIMEOUT', DEFAULTS.idleTimeoutSeconds, 1, 86_400);
  const rate = int('rate', 'MESSAGE_APP_RATE', DEFAULTS.rate, 1, 1_000_000);
  const burst = int('burst', 'MESSAGE_APP_BURST', DEFAULTS.burst, 1, 1_000_000);
  const maxFile = int('max-file', 'MESSAGE_APP_MAX_FILE', DEFAULTS.maxFile, 0, 2 ** 50);
  const syncPick = pick('sync', 'MESSAGE_APP_SYNC');
  const sync = syncPick?.value ?? DEFAULTS.sync;
  if (sync !== 'normal' && sync !== 'full') {
    throw new ConfigError(`${syncPick?.source ?? '--sync'} must be normal or full, not ${JSON.stringify(sync)}.`);
  }
  const maxConnectionsPerAddress = int('max-connections-per-address', 'MESSAGE_APP_MAX_CONNECTIONS_PER_ADDRESS', DEFAULTS.maxConnectionsPerAddress, 1, 1_000_000);
  const maxNewRooms = int('max-new-rooms', 'MESSAGE_APP_MAX_NEW_ROOMS', DEFAULTS.maxNewRooms, 0, 1_000_000);
  const maxRooms = int('max-rooms', 'MESSAGE_APP_MAX_ROOMS', DEFAULTS.maxRooms, 0, 1_000_000_000);
  const maxRoomBytes = int('max-room-bytes', 'MESSAGE_APP_MAX_ROOM_BYTES', DEFAULTS.maxRoomBytes, 1, Number.MAX_SAFE_INTEGER);
  const minFreeBytes = int('min-free-bytes', 'MESSAGE_APP_MIN_FREE_BYTES', DEFAULTS.minFreeBytes, 0, Number.MAX_SAFE_INTEGER);
  // Test-only variables: no flag, not in the usage text (documented in test/support/server.ts).
  const testFloor = env.MESSAGE_APP_TEST_KDF_FLOOR;
  const kdfFloorN = testFloor ? Number(testFloor) : DEFAULTS.kdfFloorN;
  if (!Number.isSafeInteger(kdfFloorN) || kdfFloorN < 2 || kdfFloorN > DEFAULTS.kdfFloorN) {
    throw new ConfigError(`MESSAGE_APP_TEST_KDF_FLOOR must be a whole number from 2 to ${DEFAULTS.kdfFloorN}, not ${JSON.stringify(testFloor)}.`);
  }
  const testFreeBytesFile = env.MESSAGE_APP_TEST_FREE_BYTES_FILE || undefined;
  const tlsCert = pick('tls-cert', 'MESSAGE_APP_TLS_CERT')?.value;
  const tlsKey = pick('tls-key', 'MESSAGE_APP_TLS_KEY')?.value;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together: give both, or neither for a self-signed certificate.');
  }
  const tlsPick = pick('tls', 'MESSAGE_APP_TLS');
  const tlsMode = tlsPick?.value ?? 'on';
  if (tlsMode !== 'on' && tlsMode !== 'off') {
    throw new ConfigError(`${tlsPick?.source ?? '--tls'} must be on or off, not ${JSON.stringify(tlsMode)}.`);
  }
  if (tlsMode === 'off' && tlsCert !== undefined) throw new ConfigError('--tls off and --tls-cert contradict each other: give one.');
  if (tlsMode === 'off' && values.fingerprint) throw new ConfigError('--fingerprint needs TLS: drop --tls off.');

  const config: ServerConfig = {
    host,
    port,
    dataFile: resolve(cwd, data),
    tls: tlsMode === 'on',
    maxFrame,
    maxConnections,
    joinTimeoutMs: joinTimeout * 1000,
    idleTimeoutMs: idleTimeout * 1000,
    rate,
    burst,
    maxQueueBytes: DEFAULTS.maxQueueBytes,
    sync,
    maxConnectionsPerAddress,
    maxNewRooms,
    maxRooms,
    maxRoomBytes,
    minFreeBytes,
    kdfFloorN,
    maxFile,
  };
  if (testFreeBytesFile !== undefined) config.testFreeBytesFile = resolve(cwd, testFreeBytesFile);
  if (tlsCert !== undefined && tlsKey !== undefined) {
    config.tlsCert = resolve(cwd, tlsCert);
    config.tlsKey = resolve(cwd, tlsKey);
  }
  return { help: false, fingerprint: values.fingerprint === true, config };
}
