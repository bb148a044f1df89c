// `chat rotate` and `chat owners` (PROTOCOL.md section 12) as users run them: real processes, the real server, the default KDF.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../support/server';
import { runChat, tempDir } from './helpers';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startServer();
  dir = tempDir('message-app-cli-epochs-');
}, 30_000);

afterAll(async () => {
  await server.stop();
});

const OLD = { MESSAGE_APP_PASSPHRASE: 'correct horse battery staple' };
const ident = (who: string): string => join(dir, `${who}.json`);
const common = (room: string, who: string): string[] => ['--server', server.address, '--room', room, '--identity', ident(who), '--insecure'];
const texts = (lines: Record<string, unknown>[]): unknown[] => lines.filter((l) => l.kind === 'text').map((l) => l.text);
/** Texts and room lines (12.5) in the order printed. */
const timeline = (lines: Record<string, unknown>[]): unknown[] => lines.filter((l) => l.kind === 'text' || l.kind === 'room-line').map((l) => l.text);

describe('chat rotate / owners', () => {
  test('the owner removes Carol: Bob reads on with the old passphrase, Carol gets exit 2, a newcomer reads everything', async () => {
    const room = 'cli-rotate';
    for (const [who, name] of [['ada', 'Ada'], ['bob', 'Bob'], ['carol', 'Carol']] as const) {
      const sent = await runChat(['send', ...common(room, who), '--name', name, '--text', `hello from ${name}`], OLD);
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
    }

    const listed = await runChat(['owners', ...common(room, 'ada')], OLD);
    expect(listed.code).toBe(0);
    const adaFp = JSON.parse(readFileSync(ident('ada'), 'utf8')).fingerprint as string;
    expect(listed.lines).toContainEqual({ name: 'Ada', fingerprint: adaFp, owner: true, self: true });
    expect(listed.lines.filter((l) => l.owner === false).map((l) => l.name).sort()).toEqual(['Bob', 'Carol']);

    // Knowing the passphrase is not enough to rotate.
    const notOwner = await runChat(['rotate', ...common(room, 'carol'), '--remove', 'Bob'], OLD);
    expect(notOwner.code).toBe(1);
    expect(notOwner.stderr).toContain('Only an owner');
    expect(notOwner.stdout).toBe('');

    const rotated = await runChat(['rotate', ...common(room, 'ada'), '--remove', 'Carol'], OLD);
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain('Removed Carol from room "cli-rotate"');
    expect(rotated.lines).toHaveLength(1);
    expect(rotated.lines[0]).toMatchObject({ epoch: 1, removed: ['Carol'] });
    const fresh = String(rotated.lines[0]?.passphrase);
    expect(fresh.split(' ')).toHaveLength(6);

    // Bob still types the old passphrase: his client follows the grant it was left.
    const bobSends = await runChat(['send', ...common(room, 'bob'), '--name', 'Bob', '--text', 'bob after the removal'], OLD);
    expect(bobSends.stderr).toBe('');
    expect(bobSends.code).toBe(0);
    const bobReads = await runChat(['read', ...common(room, 'bob')], OLD);
    expect(bobReads.code).toBe(0);
    expect(texts(bobReads.lines)).toEqual(['hello from Ada', 'hello from Bob', 'hello from Carol', 'bob after the removal']);
    // Section 12.5's room line, in its place between the messages (after Carol's, before Bob's next).
    expect(bobReads.lines.filter((l) => l.kind === 'room-line')).toEqual([expect.objectContaining({ kind: 'room-line', epoch: 1, by: 'Ada', removed: ['Carol'], text: 'Ada removed Carol' })]);
    expect(timeline(bobReads.lines)).toEqual(['hello from Ada', 'hello from Bob', 'hello from Carol', 'Ada removed Carol', 'bob after the removal']);

    // Carol, with the old passphrase, is refused: exit 2 and one sentence.
    const carolReads = await runChat(['read', ...common(room, 'carol')], OLD);
    expect(carolReads.code).toBe(2);
    expect(carolReads.stdout).toBe('');
    expect(carolReads.stderr.trim().split('\n')).toHaveLength(1);

    // A newcomer with the new passphrase reads the whole history.
    const dave = await runChat(['read', ...common(room, 'dave')], { MESSAGE_APP_PASSPHRASE: fresh });
    expect(dave.code).toBe(0);
    expect(texts(dave.lines)).toEqual(['hello from Ada', 'hello from Bob', 'hello from Carol', 'bob after the removal']);
    expect(timeline(dave.lines)).toEqual(['hello from Ada', 'hello from Bob', 'hello from Carol', 'Ada removed Carol', 'bob after the removal']);
    // And the same newcomer with the old one is told the passphrase is wrong.
    const eve = await runChat(['read', ...common(room, 'eve')], OLD);
    expect(eve.code).toBe(2);

    // An owner makes Bob an owner; Bob can then change the passphrase himself.
    const added = await runChat(['owners', ...common(room, 'ada'), '--add', 'Bob'], { MESSAGE_APP_PASSPHRASE: fresh });
    expect(added.code).toBe(0);
    expect(added.lines).toContainEqual(expect.objectContaining({ name: 'Bob', owner: true }));
    const bobRotates = await runChat(['rotate', ...common(room, 'bob')], OLD);
    expect(bobRotates.stderr).toContain('Changed the passphrase of room "cli-rotate"');
    expect(bobRotates.code).toBe(0);
  }, 120_000);
});
