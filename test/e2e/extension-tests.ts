// Part 1: runs the extension's mocha integration suite (test/vscode, written for @vscode/test-electron) in code-server's extension host.
import { format } from 'node:util';
import type { Browser } from 'playwright-core';
import { startCodeServer } from './code-server';
import { E2eError } from './proc';
import type { Tools } from './setup';
import type { Screenshots } from './workbench';

export interface ExtensionTestsOptions {
  browser: Browser;
  tools: Tools;
  stateDir: string;
  /** The extension folder (package.json with main = dist/extension.js). */
  extensionPath: string;
  /** The suite's entry: a CommonJS file exporting `run(): Promise<void>`. */
  suitePath: string;
  /** Environment for the extension host (e.g. the chat server's address). */
  env: NodeJS.ProcessEnv;
  shots: Screenshots;
  timeoutMs: number;
  log(line: string): void;
}

export interface ExtensionTestsResult {
  exitCode: number;
  output: string;
}

/**
 * Opens the workbench with `extensionDevelopmentPath` and `extensionTestsPath` in its payload on a
 * code-server started with the smoke-test driver: the extension host then loads the suite, runs it,
 * forwards its console to `codeAutomationLog` and reports the exit code to `codeAutomationExit`.
 */
export async function runExtensionTests(opts: ExtensionTestsOptions): Promise<ExtensionTestsResult> {
  const server = await startCodeServer({
    name: 'extension-tests',
    tools: opts.tools,
    stateDir: opts.stateDir,
    smokeTestDriver: true,
    env: opts.env,
  });
  const context = await opts.browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    const page = await context.newPage();
    let output = '';
    let shot: Promise<void> = Promise.resolve();
    const shotFile = opts.shots.reserve('extension-tests', "Part 1: the workbench after the last test of the integration suite (the chat view's area captures empty in this mode although its document has the content; part 1 checks the host's state)");
    let resolveExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => {
      resolveExit = resolve;
    });
    // Exposed before the page loads, so the workbench finds them when the extension host starts.
    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
      // Mocha's reporter logs format strings ("%s%s", "%d passing (%s)"): fill them in.
      const text = format(...(Array.isArray(args) ? args : [args]));
      output += `${text}\n`;
      if (isSuiteOutput(text)) opts.log(`  [host ${String(type)}] ${text}`);
      // After each test (the last one wins): once the suite reports its exit the workbench may be closing.
      if (/^\s*(✔|✓|\d+\))/.test(text)) {
        shot = shot.then(() => page.screenshot({ path: shotFile, timeout: 10_000 })).then(() => undefined, () => undefined);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      resolveExit(typeof code === 'number' ? code : 1);
    });
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', server.remoteUri(opts.extensionPath)],
      ['extensionTestsPath', server.remoteUri(opts.suitePath)],
    ]);
    await page.goto(server.workbenchUrl(`payload=${encodeURIComponent(payload)}`), { timeout: 60_000 });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new E2eError('timeout', `the integration suite did not finish within ${opts.timeoutMs / 1000} s. Its output:\n${output.slice(-4000)}`)),
        opts.timeoutMs,
      );
    });
    const exitCode = await Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
    await shot;
    return { exitCode, output };
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
  }
}

/** The workbench logs its own start-up through the same channel; keep the suite's lines. */
function isSuiteOutput(text: string): boolean {
  return !/^(Ignoring fetching additional builtin|\[lifecycle\] Long running operations|Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|Updating additional builtin|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\])/.test(text);
}
