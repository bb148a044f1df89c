// Test helpers for talking to the real server over TCP (server and client suites): a raw protocol client
// (also the misbehaving peer of client tests) and room auth keys computed with node:crypto.

import { createPrivateKey, createPublicKey, hkdfSync, randomBytes, scryptSync, sign, type KeyObject } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { decodeBody, encodeFrameBody } from '../../protocol/codec';
import type { ClientFrame, KdfParams, ServerFrame } from '../../protocol/frames';
import { parseServerFrame } from '../../protocol/frames';
import { FrameDecoder } from '../../protocol/framing';

export { TEST_KDF } from './kdf';
import { TEST_KDF } from './kdf';
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface RoomAuth {
  room: string;
  salt: Uint8Array;
  kdf: KdfParams;
  /** Raw 32-byte public key, as sent in `create`. */
  auth: Uint8Array;
  privateKey: KeyObject;
}

/** The room's auth key pair as PROTOCOL.md section 3 derives it. */
export function roomAuth(room: string, passphrase: string, salt: Uint8Array = randomBytes(16), kdf: KdfParams = TEST_KDF): RoomAuth {
  const secret = scryptSync(Buffer.from(passphrase.normalize('NFKC'), 'utf8'), salt, 32, { N: kdf.n, r: kdf.r, p: kdf.p });
  const seed = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `message-app/v1/auth:${room}`, 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { room, salt, kdf, auth: new Uint8Array(spki.subarray(spki.length - 32)), privateKey };
}

export function joinProof(auth: RoomAuth, challenge: Uint8Array): Uint8Array {
  const message = Buffer.concat([Buffer.from(`message-app/v1/join:${auth.room}\u0000`, 'utf8'), challenge]);
  return new Uint8Array(sign(null, message, auth.privateKey));
}

export function randomCid(): string {
  return randomBytes(16).toString('base64url');
}

type Of<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

/** A bare protocol client: writes frames or raw bytes and waits for typed server frames. */
export class WireClient {
  readonly frames: ServerFrame[] = [];
  challenge: Uint8Array = new Uint8Array(0);
  max = 0;
  closed = false;
  /** Raw bodies the guards refused (should stay empty against our server). */
  readonly malformed: unknown[] = [];
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private waiters: (() => void)[] = [];
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Connects and waits for `hello` (or whatever comes first, e.g. `error busy`, when `expectHello` is false). */
  static async connect(address: { host: string; port: number }, expectHello = true): Promise<WireClient> {
    const socket = connect({ host: address.host, port: address.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new WireClient(socket);
    if (expectHello) {
      const hello = await client.next('hello');
      client.challenge = hello.challenge;
      client.max = hello.max;
    }
    return client;
  }

  private onData(chunk: Buffer): void {
    const { frames } = this.decoder.push(chunk);
    for (const body of frames) {
      const value = decodeBody(body);
      const frame = parseServerFrame(value);
      if (frame) this.frames.push(frame);
      else this.malformed.push(value);
    }
    if (frames.length > 0) this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  send(frame: ClientFrame | Record<string, unknown>): void {
    this.socket.write(encodeFrameBody(frame as ClientFrame));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Removes and returns the first frame of type `t` (optionally matching `where`), waiting for it. */
  async next<T extends ServerFrame['t']>(t: T, where: (f: Of<T>) => boolean = () => true, timeoutMs = 5000): Promise<Of<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex((f) => f.t === t && where(f as Of<T>));
      if (index >= 0) return this.frames.splice(index, 1)[0] as Of<T>;
      if (this.closed) throw new Error(`connection closed while waiting for ${t}; got ${this.describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${t}; got ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next `error` frame with this code. */
  error(code: string, timeoutMs = 5000): Promise<Of<'error'>> {
    return this.next('error', (f) => f.code === code, timeoutMs);
  }

  /** Resolves when the server has closed the connection (rejects after the timeout). */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.closedPromise,
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Sends `ping` and waits for its `pong`: every frame sent before it has been handled. */
  async roundTrip(timeoutMs = 5000): Promise<void> {
    const n = Math.floor(Math.random() * 1e9);
    this.send({ t: 'ping', n });
    await this.next('pong', (f) => f.n === n, timeoutMs);
  }

  async create(auth: RoomAuth): Promise<Of<'joined'>> {
    this.send({ t: 'create', room: auth.room, salt: auth.salt, kdf: auth.kdf, auth: auth.auth, proof: joinProof(auth, this.challenge) });
    return this.next('joined', (f) => f.room === auth.room);
  }

  async join(auth: RoomAuth): Promise<Of<'joined'>> {
    this.send({ t: 'join', room: auth.room, proof: joinProof(auth, this.challenge) });
    return this.next('joined', (f) => f.room === auth.room);
  }

  /** Sends a message and waits for its ack. */
  async sendMessage(room: string, env: Uint8Array, cid: string = randomCid()): Promise<Of<'ack'>> {
    this.send({ t: 'send', room, cid, env });
    return this.next('ack', (f) => f.cid === cid);
  }

  async history(room: string, opts: { before?: number; after?: number; limit?: number } = {}): Promise<Of<'page'>> {
    this.send({ t: 'history', room, ...opts });
    return this.next('page', (f) => f.room === room);
  }

  close(): void {
    this.socket.destroy();
  }

  private describe(): string {
    return JSON.stringify(this.frames.map((f) => (f.t === 'error' ? `${f.t}:${f.code}` : f.t)));
  }
}

/** An envelope-like opaque payload: the server must store and return it byte for byte. */
export function fakeEnvelope(size = 64): Uint8Array {
  const env = new Uint8Array(randomBytes(size));
  env[0] = 1;
  return env;
}
