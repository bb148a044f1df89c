// `npm run test:e2e`: sets up code-server and Chromium, packages the extension, and runs it in a real VS Code workbench against the real server.
//
// Part 1 runs the extension's mocha integration suite (test/vscode) in code-server's extension host;
// part 2 plays two users chatting (see two-users.ts). Screenshots go to test-results/e2e/.
// Options: --part NAME[,NAME...] (run only those parts: extension, users, or one of WORKBENCH_PARTS below),
// --keep (keep the state folder for a look afterwards),
// --older N (older messages posted with the CLI, default 120; 0 skips them while developing).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { startServer, type TestServer } from '../support/server';
import type { CodeServer } from './code-server';
import { runExtensionTests } from './extension-tests';
import { beginShutdown, E2eError, killAll, run, tail, within } from './proc';
import { Report } from './report';
import { ensureTools } from './setup';
import { messageListPart } from './message-list';
import { codePart } from './code';
import { membersPart } from './members';
import { filesPart } from './files';
import { connectPart } from './connect';
import type { PartOptions } from './part';
import { conversationPart } from './conversation';
import { trustPart } from './trust';
import { postOlder, twoUsers } from './two-users';
import { launchChromium, Screenshots, type Workbench } from './workbench';

const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '..', '..');
const CACHE = join(REPO, '.cache', 'e2e');
const RESULTS = join(REPO, 'test-results', 'e2e');
const VSIX = join(REPO, 'message-app.vsix');
/** The integration suite's entry (built by `npm run build`; the same file @vscode/test-electron loads). */
const SUITE = join(REPO, 'dist', 'test', 'vscode', 'suite', 'index.js');
/** Everything, first-time setup included, must finish within this. */
// (20 minutes since parts files and connect joined the default run: about 3 more minutes on a busy machine.)
const OVERALL_MS = 20 * 60_000;

/** Parts after part 2, in the order they run; each is a file of its own in test/e2e. */
const WORKBENCH_PARTS: readonly { name: string; what: string; run: (o: PartOptions) => Promise<void> }[] = [
  { name: 'list', what: "issue 16's 2,000-message room", run: messageListPart },
  { name: 'files', what: 'issue 14: a 50 MB file sent and saved', run: filesPart },
  { name: 'connect', what: 'issue 16: unreachable server, then the real one; menus by state', run: connectPart },
  { name: 'conversation', what: 'issue 13: reply, react, typing, edit, delete', run: conversationPart },
  { name: 'code', what: 'issue 12: Share Selection, Open, @mentions', run: codePart },
  { name: 'members', what: 'issue 15: Remove Member and a new key epoch', run: membersPart },
  { name: 'trust', what: 'issue 11: new-room passphrase, Verify Fingerprint, Trust New Key', run: trustPart },
];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { part: { type: 'string' }, keep: { type: 'boolean', default: false }, older: { type: 'string', default: '120' } },
    allowPositionals: false,
  });
  const older = Number(values.older);
  if (!Number.isInteger(older) || older < 0) throw new E2eError('usage', `--older must be a whole number (got ${values.older}).`);
  const names = ['extension', 'users', ...WORKBENCH_PARTS.map((p) => p.name)];
  const parts = values.part ? values.part.split(',') : names;
  for (const p of parts) if (!names.includes(p)) throw new E2eError('usage', `Unknown --part ${p} (use ${names.join(', ')}).`);

  const report = new Report();
  const state = mkdtempSync(join(tmpdir(), 'message-app-e2e-'));
  mkdirSync(RESULTS, { recursive: true });
  for (const f of readdirSync(RESULTS)) if (f.endsWith('.png')) rmSync(join(RESULTS, f));
  const shots = new Screenshots(RESULTS);
  const open = { workbenches: [] as Workbench[], servers: [] as CodeServer[] };
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  const failures: string[] = [];

  // One clean-up, whoever asks first (the end of the run, a failure, a signal, the deadline).
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      beginShutdown();
      const bounded = <T>(p: Promise<T>): Promise<unknown> => within(10_000, 'clean-up', () => p).catch(() => undefined);
      for (const wb of open.workbenches) await bounded(wb.close());
      if (browser) await bounded(browser.close());
      for (const cs of open.servers) await bounded(cs.stop());
      if (server) await bounded(server.stop());
      killAll();
    })());
  // A hard stop: whatever hangs, the suite ends and leaves no process behind.
  const deadline = setTimeout(() => {
    console.error(`\n[e2e] FAILED: the suite ran past ${OVERALL_MS / 60_000} minutes; stopping everything.`);
    void cleanup().finally(() => process.exit(1));
  }, OVERALL_MS);
  // (Not unref'd: a step that hangs with nothing else pending must end as a failure, not as exit 0.)
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(sig, () => {
      console.error(`\n[e2e] ${sig}: stopping everything.`);
      void cleanup().finally(() => process.exit(code));
    });
  }

  try {
    const tools = await report.part('setup (cached in .cache/e2e)', 11 * 60_000, () =>
      ensureTools(CACHE, (part, ms) => report.record(`  ${part}`, ms)),
    );
    const vsix = join(state, 'message-app.vsix');
    await report.part('build and package the .vsix (npm run package)', 240_000, async () => {
      rmSync(VSIX, { force: true });
      await run('npm', ['run', '--silent', 'package'], { cwd: REPO, timeoutMs: 230_000 });
      if (!existsSync(VSIX)) throw new E2eError('no_vsix', `npm run package did not write ${VSIX}.`);
      // Installed from a copy of its own, so a rebuild in the working tree cannot change it mid-run.
      copyFileSync(VSIX, vsix);
    });
    mkdirSync(join(state, 'server'), { recursive: true });
    const chat = await report.part('start the chat server (fresh data file, 127.0.0.1)', 30_000, () =>
      // TLS with the server's own self-signed certificate, as deployed: users trust it on first use or by invite.
      startServer({ dataFile: join(state, 'server', 'chat.db'), tls: true }).then((s) => {
        report.log(`  chat server on ${s.address} (TLS, ${s.fingerprint ?? 'no fingerprint'})`);
        return s;
      }),
    );
    server = chat;
    // The older messages are posted with the CLI while part 1 runs (they are for part 2).
    let olderPosted: Promise<number> | undefined;
    if (parts.includes('users') && older > 0) {
      const t = Date.now();
      report.log(`start (in the background): post ${older} older messages with npm run chat -- send`);
      olderPosted = postOlder({ repoRoot: REPO, stateDir: join(state, 'cli'), server: chat.address, fingerprint: chat.fingerprint ?? '', count: older }).then(() => Date.now() - t);
      olderPosted.catch(() => undefined);
    }
    const chromium = await report.part('launch Chromium', 60_000, () => launchChromium(tools.chromium, state));
    browser = chromium;

    if (parts.includes('extension')) {
      try {
        const result = await report.part('part 1: extension integration suite in the extension host', 240_000, () => {
          if (!existsSync(SUITE)) throw new E2eError('no_suite', `The integration suite ${SUITE} does not exist (npm run build makes it).`);
          return runExtensionTests({
            browser: chromium,
            tools,
            stateDir: join(state, 'extension-tests'),
            extensionPath: REPO,
            suitePath: SUITE,
            env: { MESSAGE_APP_TEST_SERVER: chat.address, MESSAGE_APP_TEST_FINGERPRINT: chat.fingerprint ?? '' },
            shots,
            timeoutMs: 220_000,
            log: (line) => console.log(line),
          });
        });
        if (result.exitCode !== 0) throw new E2eError('suite_failed', `the integration suite failed (exit ${result.exitCode}):\n${tail(result.output, 60)}`);
      } catch (err) {
        failures.push(`part 1: ${message(err)}`);
        console.error(`[e2e] part 1 FAILED: ${message(err)}`);
      }
    }

    if (parts.includes('users')) {
      const t = Date.now();
      try {
        await twoUsers({ browser: chromium, tools, stateDir: join(state, 'users'), repoRoot: REPO, vsix, server: chat, shots, report, open, older, ...(olderPosted ? { olderPosted } : {}) });
        report.record('part 2: two users (all steps)', Date.now() - t);
      } catch (err) {
        report.record('part 2: two users (all steps)', Date.now() - t, false);
        failures.push(`part 2: ${message(err)}`);
        console.error(`[e2e] part 2 FAILED: ${message(err)}`);
        await diagnose(open, server, shots);
      }
    }

    // The parts that each open their own workbenches (test/e2e/part.ts), one after another on a quiet machine.
    for (const part of WORKBENCH_PARTS) {
      if (!parts.includes(part.name)) continue;
      await closeAll(open);
      const t = Date.now();
      try {
        await part.run({ browser: chromium, tools, stateDir: join(state, part.name), vsix, server: chat, shots, report, open });
        report.record(`part ${part.name}: ${part.what} (all steps)`, Date.now() - t);
      } catch (err) {
        report.record(`part ${part.name}: ${part.what} (all steps)`, Date.now() - t, false);
        failures.push(`part ${part.name}: ${message(err)}`);
        console.error(`[e2e] part ${part.name} FAILED: ${message(err)}`);
        await diagnose(open, server, shots);
      }
      await closeAll(open);
    }
  } catch (err) {
    failures.push(message(err));
    console.error(`[e2e] FAILED: ${message(err)}`);
    await diagnose(open, server, shots);
  } finally {
    await cleanup();
    clearTimeout(deadline);
    if (failures.length === 0 && !values.keep) rmSync(state, { recursive: true, force: true });
    else console.log(`[e2e] state kept in ${state}`);
  }

  console.log('\n[e2e] durations:');
  console.log(report.summary());
  console.log(`\n[e2e] screenshots in ${RESULTS}:`);
  for (const s of shots.taken) console.log(`  ${s.file.slice(RESULTS.length + 1)}  ${s.what}`);
  if (failures.length > 0) {
    console.error(`\n[e2e] ${failures.length} failure(s):`);
    for (const f of failures) console.error(`  - ${f.split('\n')[0]}`);
    return 1;
  }
  console.log('\n[e2e] all passed.');
  return 0;
}

/** Closes the workbenches and code-servers a part opened, so the next part has the machine's 2 cores (and memory) to itself. */
async function closeAll(open: { workbenches: Workbench[]; servers: CodeServer[] }): Promise<void> {
  for (const wb of open.workbenches.splice(0)) await within(10_000, 'close a workbench', () => wb.close()).catch(() => undefined);
  for (const cs of open.servers.splice(0)) await within(10_000, 'stop a code-server', () => cs.stop()).catch(() => undefined);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** After a failure: a screenshot of every open workbench, their console errors, and the servers' last log lines. */
async function diagnose(open: { workbenches: Workbench[]; servers: CodeServer[] }, server: TestServer | undefined, shots: Screenshots): Promise<void> {
  for (const wb of open.workbenches) {
    const file = await shots.take(wb.page, `failure-${wb.user.toLowerCase()}`, `${wb.user}'s workbench when the suite failed`).catch(() => 'no screenshot');
    console.error(`[e2e] ${wb.user}: screenshot ${file}`);
    if (wb.consoleErrors.length > 0) console.error(`[e2e] ${wb.user}: last browser console errors:\n  ${wb.consoleErrors.slice(-8).join('\n  ')}`);
  }
  for (const cs of open.servers) console.error(`[e2e] code-server ${cs.name}, last lines:\n${tail(cs.output(), 12)}`);
  if (server) console.error(`[e2e] chat server log, last lines:\n${tail(server.stderr(), 20)}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[e2e] FAILED: ${message(err)}`);
    killAll();
    process.exit(1);
  },
);
