// Client benchmark: time to join a room with the default KDF (key derivation
// included) against the real server, and to seal/open a 1 MB envelope.
// Run: npm run bench:client   (Bun)   or   node --import tsx bench/client.ts   (Node, like VS Code)

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ChatClient } from '../client/chat-client';
import { openEnvelope, sealEnvelope, type Body } from '../client/envelope';
import { DEFAULT_KDF, deriveRoomKeys, generateIdentity } from '../client/keys';
import { MemoryOutboxStore } from '../client/storage';
import { startServer } from '../test/support/server';

const runtime = typeof (globalThis as { Bun?: unknown }).Bun === 'undefined' ? `Node ${process.version}` : `Bun ${process.versions.bun}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

async function timeJoin(address: string, room: string, create: boolean): Promise<number> {
  const client = new ChatClient({ address, identity: generateIdentity(), name: 'Bench', outbox: new MemoryOutboxStore() });
  const start = performance.now();
  await client.connect();
  await client.joinRoom(room, 'correct horse battery staple', { create });
  const elapsed = performance.now() - start;
  client.close();
  return elapsed;
}

async function main(): Promise<void> {
  console.log(`client benchmark on ${runtime}, default KDF N=${DEFAULT_KDF.n} r=${DEFAULT_KDF.r} p=${DEFAULT_KDF.p}`);

  const salt = new Uint8Array(randomBytes(16));
  const kdfRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await deriveRoomKeys('correct horse battery staple', 'bench', salt, DEFAULT_KDF);
    kdfRuns.push(performance.now() - start);
  }
  console.log(`key derivation alone (scrypt + HKDF + Ed25519), median of 3: ${ms(median(kdfRuns))}`);

  const server = await startServer();
  try {
    const created = await timeJoin(server.address, 'bench-room', true);
    const joins: number[] = [];
    for (let i = 0; i < 3; i++) joins.push(await timeJoin(server.address, 'bench-room', false));
    console.log(`create a room (connect + derive + create + catch-up): ${ms(created)}`);
    console.log(`join an existing room (connect + derive + join + catch-up), median of 3: ${ms(median(joins))}`);
  } finally {
    await server.stop();
  }

  const identity = generateIdentity();
  const encKey = new Uint8Array(randomBytes(32));
  const data = new Uint8Array(randomBytes(1024 * 1024));
  const body: Body = { cid: 'benchmark-cid-0001', ts: Date.now(), from: { name: 'Bench', key: identity.publicKey }, k: 'image', mime: 'image/jpeg', w: 1000, h: 1000, data };
  const seals: number[] = [];
  const opens: number[] = [];
  let env: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 21; i++) {
    let start = performance.now();
    env = sealEnvelope({ room: 'bench', encKey, identity, body });
    seals.push(performance.now() - start);
    start = performance.now();
    const opened = openEnvelope({ room: 'bench', encKey, cid: body.cid, env });
    opens.push(performance.now() - start);
    if (!opened.ok) throw new Error('benchmark envelope did not open');
  }
  console.log(`seal a 1 MiB envelope (encode + sign + AES-GCM, ${env.length} bytes), median of 21: ${ms(median(seals))}`);
  console.log(`open a 1 MiB envelope (AES-GCM + decode + verify), median of 21: ${ms(median(opens))}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
