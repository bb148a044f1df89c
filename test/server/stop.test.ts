// A graceful stop (SIGTERM) stops accepting first: a connection that arrives after it is never greeted with `hello`.

import { afterEach, expect, test } from 'bun:test';
import { connect } from 'node:net';
import { decodeBody } from '../../protocol/codec';
import { FrameDecoder } from '../../protocol/framing';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, randomCid, roomAuth } from '../support/wire';

const servers: TestServer[] = [];
const clients: WireClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.remove()));
});

/** Connects and reports what happened: refused, or the `t` (and code) of every frame before the close. */
async function attempt(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const decoder = new FrameDecoder(1024 * 1024);
    const seen: string[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`open after 2 s: ${seen.join(',')}`);
    }, 2000);
    socket.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk).frames) {
        const value = decodeBody(body) as { t?: unknown; code?: unknown };
        seen.push(`${String(value.t)}${value.code ? `:${String(value.code)}` : ''}`);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? 'error');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(seen.length > 0 ? seen.join(',') : 'closed');
    });
  });
}

test('after SIGTERM no new connection gets hello, while the stop waits for a slow reader', async () => {
  const server = await startServer({ args: ['--rate', '100000', '--burst', '100000'] });
  servers.push(server);
  const auth = roomAuth('stopping', 'p');
  const sender = await WireClient.connect(server);
  clients.push(sender);
  await sender.create(auth);
  // A member that does not read keeps the stop in its drain grace (up to 3 s).
  const slow = await WireClient.connect(server);
  clients.push(slow);
  await slow.join(auth);
  slow.socket.pause();
  for (let i = 0; i < 40; i++) sender.send({ t: 'send', room: auth.room, cid: randomCid(), env: fakeEnvelope(100_000) });
  await sender.next('ack', () => true, 10_000);
  const port = server.port;
  const stopped = server.stop();
  const until = Date.now() + 5000;
  while (!server.stderr().includes('SIGTERM: stopping') && Date.now() < until) await Bun.sleep(5);
  expect(server.stderr()).toContain('SIGTERM: stopping');
  const outcomes: string[] = [];
  for (let i = 0; i < 5 && server.exitCode() === null; i++) outcomes.push(await attempt(port));
  await stopped;
  expect(server.exitCode()).toBe(0);
  expect(outcomes.length).toBeGreaterThan(0);
  for (const outcome of outcomes) expect(outcome).not.toContain('hello');
}, 20_000);
