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
  /** Largest file (plaintext bytes a blob implies) a `blob_put` may announce (PROTOCOL.md section 8.3). */
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
  --tls-cert FILE         PEM certificate; with --tls-key serves TLS (MESSAGE_APP_TLS_CERT)
  --tls-key FILE          PEM private key (MESSAGE_APP_TLS_KEY)
  --join-timeout SECONDS  close connections that join no room in time (MESSAGE_APP_JOIN_TIMEOUT, default ${DEFAULTS.joinTimeoutSeconds})
  --idle-timeout SECONDS  close connections silent this long (MESSAGE_APP_IDLE_TIMEOUT, default ${DEFAULTS.idleTimeoutSeconds})
  --sync normal|full      ack after the commit reached the WAL (normal: survives a crash of the
                          server, not a power cut) or after an fsync (full: survives power cuts,
                          at the disk's fsync latency) (MESSAGE_APP_SYNC, default ${DEFAULTS.sync})
  --max-file BYTES        largest file accepted, refused before any byte (MESSAGE_APP_MAX_FILE, default ${DEFAULTS.maxFile})
  --rate N                frames per second per connection (MESSAGE_APP_RATE, default ${DEFAULTS.rate})
  --burst N               frames a connection may send at once (MESSAGE_APP_BURST, default ${DEFAULTS.burst})
  -h, --help              show this help
`;

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  data: { type: 'string' },
  'max-frame': { type: 'string' },
  'max-connections': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'join-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  rate: { type: 'string' },
  burst: { type: 'string' },
  sync: { type: 'string' },
  'max-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ParsedCommandLine = { help: true } | { help: false; config: ServerConfig };

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
  const tlsCert = pick('tls-cert', 'MESSAGE_APP_TLS_CERT')?.value;
  const tlsKey = pick('tls-key', 'MESSAGE_APP_TLS_KEY')?.value;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together: give both to serve TLS, or neither for plain TCP.');
  }

  const config: ServerConfig = {
    host,
    port,
    dataFile: resolve(cwd, data),
    maxFrame,
    maxConnections,
    joinTimeoutMs: joinTimeout * 1000,
    idleTimeoutMs: idleTimeout * 1000,
    rate,
    burst,
    maxQueueBytes: DEFAULTS.maxQueueBytes,
    sync,
    maxFile,
  };
  if (tlsCert !== undefined && tlsKey !== undefined) {
    config.tlsCert = resolve(cwd, tlsCert);
    config.tlsKey = resolve(cwd, tlsKey);
  }
  return { help: false, config };
}
