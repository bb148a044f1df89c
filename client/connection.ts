// One connection to the server as an explicit state machine: connecting, hello,
// ready, reconnecting (capped exponential backoff with jitter), closed; keepalive
// pings, one outbound write queue, and framed decoding of the server's frames.

import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { decodeBody, encodeFrameBody } from '../protocol/codec';
import { DEFAULT_MAX_FRAME, PROTOCOL_VERSION } from '../protocol/constants';
import { parseServerFrame, type ClientFrame, type ServerFrame } from '../protocol/frames';
import { FrameDecoder } from '../protocol/framing';
import { CertificateChangedError, fingerprintOfDer } from './trust/tls';
import {
  ClientError,
  DisconnectedError,
  ProtocolMismatchError,
  ServerError,
  ServerUnreachableError,
  UntrustedCertificateError,
} from './errors';

export type ConnectionState = 'idle' | 'connecting' | 'hello' | 'ready' | 'reconnecting' | 'closed';

export interface TlsOptions {
  /** PEM CA certificate(s) to trust instead of the system store (self-signed servers). */
  ca?: string | string[];
  servername?: string;
  /** Only for tests against a throwaway certificate. */
  rejectUnauthorized?: boolean;
  /**
   * The pinned certificate fingerprint ("SHA256:..."; client/trust/tls.ts). With a pin only the
   * pin counts: a different certificate fails (fatal) even when a CA vouches for it, and the pinned
   * one is accepted though no CA does.
   */
  pin?: string;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  tls?: boolean | TlsOptions;
  /** PROTOCOL.md section 7: a ping every 25 s, dead after 10 s without its pong. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** How long TCP connect plus the server's hello may take. */
  connectTimeoutMs?: number;
  /** Reconnect delays: min * 2^attempt, capped at max, then scaled by a random 50-100%. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /**
   * Largest frame accepted from the server. Pages carry up to 200 envelopes, so
   * this is well above the server's own per-frame limit.
   */
  maxIncomingFrame?: number;
}

export interface Hello {
  challenge: Uint8Array;
  /** The server's largest accepted frame body. */
  max: number;
}

export interface ConnectionHandlers {
  state(state: ConnectionState, detail?: string): void;
  /** The server greeted this (new) connection; `epoch` counts connections. */
  ready(hello: Hello, epoch: number): void;
  /** Every frame after `hello`, in order. */
  frame(frame: ServerFrame): void;
  /** A live or attempted connection ended; a reconnect follows unless `fatal`. */
  down(error: ClientError, info: { wasReady: boolean; fatal: boolean }): void;
}

const DEFAULTS = {
  pingIntervalMs: 25_000,
  pongTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  backoffMinMs: 500,
  backoffMaxMs: 30_000,
  maxIncomingFrame: 256 * 1024 * 1024,
};

export class Connection {
  private stateValue: ConnectionState = 'idle';
  private socket: Socket | undefined;
  private decoder: FrameDecoder | undefined;
  private hello: Hello | undefined;
  private epoch = 0;
  private attempt = 0;
  private readonly queue: Uint8Array[] = [];
  private waitingForDrain = false;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private pingCounter = 0;
  private readonly opts: typeof DEFAULTS & ConnectionOptions;
  readonly address: string;

  constructor(
    options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.opts = { ...DEFAULTS, ...stripUndefined(options), host: options.host, port: options.port };
    this.address = `${options.host}:${options.port}`;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The current connection's hello, while ready. */
  get greeting(): Hello | undefined {
    return this.stateValue === 'ready' ? this.hello : undefined;
  }

  // ---- transitions -------------------------------------------------------

  /** idle -> connecting. */
  start(): void {
    if (this.stateValue !== 'idle') return;
    this.open();
  }

  /** any -> closed. No reconnect after this. */
  close(): void {
    if (this.stateValue === 'closed') return;
    // The owner asked for this: no `down` report, only the state change.
    this.teardown();
    this.setState('closed');
  }

  /** Drops the current connection (or attempt) and reconnects after a backoff delay. */
  reconnect(reason: ClientError): void {
    this.lost(reason, false);
  }

  private open(): void {
    this.setState('connecting');
    this.decoder = new FrameDecoder(this.opts.maxIncomingFrame);
    this.hello = undefined;
    const { host, port, tls } = this.opts;
    let socket: Socket;
    const { pin, ...tlsOptions } = typeof tls === 'object' ? tls : {};
    try {
      socket = tls
        ? tlsConnect({
            host,
            port,
            // SNI takes host names only (RFC 6066); an IP address is checked against the certificate's IP SANs.
            ...(isIP(host) ? {} : { servername: host }),
            ...tlsOptions,
            // A pin replaces CA verification; it is checked on secureConnect below.
            ...(pin !== undefined ? { rejectUnauthorized: false } : {}),
          })
        : netConnect({ host, port });
    } catch (error) {
      queueMicrotask(() => this.lost(new ServerUnreachableError(this.address, errorDetail(error)), false));
      return;
    }
    this.socket = socket;
    socket.setNoDelay(true);
    // The connect timer covers TCP, TLS and the wait for `hello`.
    this.connectTimer = setTimeout(() => {
      this.lost(
        this.stateValue === 'connecting'
          ? new ServerUnreachableError(this.address, 'timed out')
          : new ProtocolMismatchError(this.address, 'no hello from the server'),
        false,
      );
    }, this.opts.connectTimeoutMs);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      if (socket !== this.socket) return;
      if (pin !== undefined) {
        const got = fingerprintOfDer((socket as TLSSocket).getPeerCertificate().raw);
        // Not retried: a changed certificate stays changed until the user trusts it on purpose.
        if (got !== pin) return this.lost(new CertificateChangedError(this.address, pin, got), true);
      }
      socket.setKeepAlive(true, 30_000);
      this.socketOpened();
    });
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.received(chunk);
    });
    socket.on('drain', () => {
      if (socket !== this.socket) return;
      this.waitingForDrain = false;
      this.flush();
    });
    socket.on('error', (error) => {
      if (socket !== this.socket) return;
      const code = errorDetail(error);
      const err = isCertificateError(code)
        ? new UntrustedCertificateError(this.address, code ?? 'unknown')
        : this.stateValue === 'connecting'
          ? new ServerUnreachableError(this.address, code)
          : new DisconnectedError();
      this.lost(err, false);
    });
    socket.on('close', () => {
      if (socket !== this.socket) return;
      this.lost(this.stateValue === 'connecting' ? new ServerUnreachableError(this.address) : new DisconnectedError(), false);
    });
  }

  /** connecting -> hello (waiting for the server's first frame). */
  private socketOpened(): void {
    this.setState('hello');
  }

  /** hello -> ready. */
  private helloReceived(hello: Hello): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.hello = hello;
    this.attempt = 0;
    this.epoch += 1;
    this.setState('ready');
    this.pingTimer = setInterval(() => this.ping(), this.opts.pingIntervalMs);
    this.handlers.ready(hello, this.epoch);
  }

  /** connecting | hello | ready -> reconnecting (or closed when fatal). */
  private lost(error: ClientError, fatal: boolean): void {
    if (this.stateValue === 'closed' || this.stateValue === 'reconnecting' || this.stateValue === 'idle') return;
    const wasReady = this.stateValue === 'ready';
    this.teardown();
    if (fatal) {
      // `down` first, so the owner learns why before it sees `closed`.
      this.handlers.down(error, { wasReady, fatal: true });
      this.setState('closed', error.message);
      return;
    }
    const delay = this.backoffDelay();
    this.attempt += 1;
    this.setState('reconnecting', error.message);
    this.handlers.down(error, { wasReady, fatal: false });
    if ((this.stateValue as ConnectionState) !== 'reconnecting') return; // a handler closed us
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stateValue === 'reconnecting') this.open();
    }, delay);
  }

  private backoffDelay(): number {
    return backoffDelay(this.attempt, this.opts.backoffMinMs, this.opts.backoffMaxMs);
  }

  private teardown(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.connectTimer = this.retryTimer = this.pingTimer = this.pongTimer = undefined;
    this.queue.length = 0;
    this.waitingForDrain = false;
    const socket = this.socket;
    this.socket = undefined;
    this.hello = undefined;
    socket?.destroy();
  }

  private setState(state: ConnectionState, detail?: string): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.handlers.state(state, detail);
  }

  // ---- inbound ------------------------------------------------------------

  private received(chunk: Uint8Array): void {
    // Any bytes prove the server is alive: a large page may delay a pong.
    if (this.pongTimer) this.armPongTimer();
    const decoder = this.decoder;
    if (!decoder) return;
    const { frames, error } = decoder.push(chunk);
    for (const body of frames) {
      if (this.socket === undefined || this.decoder !== decoder) return; // torn down by a handler
      this.receivedBody(body);
    }
    if (error && this.decoder === decoder) {
      const detail = error.kind === 'too_large' ? `a frame of ${error.length} bytes` : 'an empty frame';
      this.lost(new ProtocolMismatchError(this.address, detail), this.stateValue !== 'ready');
    }
  }

  private receivedBody(body: Uint8Array): void {
    let frame: ServerFrame | null;
    try {
      frame = parseServerFrame(decodeBody(body));
    } catch {
      this.lost(new ProtocolMismatchError(this.address, 'an undecodable frame'), this.stateValue !== 'ready');
      return;
    }
    if (this.stateValue === 'hello' || this.stateValue === 'connecting') {
      if (frame?.t === 'hello') {
        if (frame.v !== PROTOCOL_VERSION) {
          this.lost(new ProtocolMismatchError(this.address, `server speaks version ${frame.v}, this app ${PROTOCOL_VERSION}`), true);
        } else {
          this.helloReceived({ challenge: frame.challenge, max: frame.max || DEFAULT_MAX_FRAME });
        }
      } else if (frame?.t === 'error') {
        // `busy` (connection cap) and friends: retry with the normal backoff.
        this.lost(new ServerError(frame.code), false);
      } else {
        this.lost(new ProtocolMismatchError(this.address, 'the first frame was not hello'), true);
      }
      return;
    }
    if (frame === null) return; // an unknown frame type from a newer server
    if (frame.t === 'pong') {
      if (frame.n === this.pingCounter) {
        clearTimeout(this.pongTimer);
        this.pongTimer = undefined;
      }
      return;
    }
    if (frame.t === 'hello') return;
    this.handlers.frame(frame);
  }

  // ---- keepalive ------------------------------------------------------------

  private ping(): void {
    if (this.stateValue !== 'ready') return;
    this.pingCounter += 1;
    this.send({ t: 'ping', n: this.pingCounter });
    if (!this.pongTimer) this.armPongTimer();
  }

  private armPongTimer(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined;
      this.lost(new DisconnectedError(), false);
    }, this.opts.pongTimeoutMs);
  }

  // ---- outbound -------------------------------------------------------------

  /** Queues a frame on the current connection; false when it is not ready (the caller retries after `ready`). */
  send(frame: ClientFrame): boolean {
    if (this.stateValue !== 'ready' || !this.socket) return false;
    this.queue.push(encodeFrameBody(frame));
    this.flush();
    return true;
  }

  /** Writes queued frames until the socket asks us to wait for `drain`. */
  private flush(): void {
    const socket = this.socket;
    while (socket && !this.waitingForDrain && this.queue.length > 0) {
      const next = this.queue.shift();
      if (next && !socket.write(next)) this.waitingForDrain = true;
    }
  }
}

/**
 * Delay before reconnect attempt `attempt` (0-based): min * 2^attempt capped at
 * max, then scaled by a random 50-100% so many clients do not return in step
 * after a server restart.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const capped = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(capped * (0.5 + random() * 0.5));
}

/** OpenSSL's verification failures as Node reports them (and a name mismatch). */
function isCertificateError(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (code.startsWith('CERT_') ||
      code.includes('SELF_SIGNED') ||
      code.startsWith('UNABLE_TO_') ||
      code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
      code === 'HOSTNAME_MISMATCH')
  );
}

function errorDetail(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Splits "host:port" (IPv6 as "[::1]:port"); throws ClientError for anything else. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[3]) : NaN;
  const host = match?.[1] ?? match?.[2];
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ClientError('invalid_input', `"${address}" is not a server address of the form HOST:PORT.`);
  }
  return { host, port };
}
