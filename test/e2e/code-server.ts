// One code-server per simulated user: its own user data, extensions and XDG folders, on 127.0.0.1 only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2eError, run, startService, type Service } from './proc';
import type { Tools } from './setup';

export interface CodeServer {
  readonly name: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** host:port, for vscode-remote:// URIs */
  readonly authority: string;
  /** The folder the workbench opens. */
  readonly workspace: string;
  /** The workbench URL that opens `workspace`. */
  workbenchUrl(extraQuery?: string): string;
  /** A vscode-remote:// URI for a path on this machine, as the browser workbench names it. */
  remoteUri(absPath: string): string;
  output(): string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  name: string;
  tools: Tools;
  /** Folder for this instance's state (created). */
  stateDir: string;
  /** Installed before the server starts. */
  vsix?: string;
  /** Passes --vscode-option enable-smoke-test-driver (needed to run extension tests; hides notification toasts). */
  smokeTestDriver?: boolean;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

// Telemetry, experiments, update checks and AI features off; nothing opens by itself on start.
const QUIET_SETTINGS: Record<string, unknown> = {
  'telemetry.telemetryLevel': 'off',
  'telemetry.feedback.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'npm.autoDetect': 'off',
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
};

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const dirs = {
    userData: join(opts.stateDir, 'user-data'),
    extensions: join(opts.stateDir, 'extensions'),
    workspace: join(opts.stateDir, 'workspace'),
    xdgConfig: join(opts.stateDir, 'xdg', 'config'),
    xdgData: join(opts.stateDir, 'xdg', 'data'),
    xdgCache: join(opts.stateDir, 'xdg', 'cache'),
    xdgState: join(opts.stateDir, 'xdg', 'state'),
    xdgRuntime: join(opts.stateDir, 'xdg', 'runtime'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...opts.settings }, null, 2));
  writeFileSync(join(dirs.workspace, 'README.txt'), `Workspace of the end-to-end user "${opts.name}".\n`);
  // Our own config file, so code-server does not write one into the real home folder.
  const config = join(opts.stateDir, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    PATH: `${join(opts.tools.nodeDir, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    XDG_STATE_HOME: dirs.xdgState,
    XDG_RUNTIME_DIR: dirs.xdgRuntime,
    // code-server would otherwise inherit the runner's PORT/PASSWORD if a CI sets them.
    PORT: undefined,
    // No extension gallery: nothing is fetched from the internet (open-vsx.org otherwise).
    EXTENSIONS_GALLERY: '{}',
    PASSWORD: undefined,
    HASHED_PASSWORD: undefined,
  };
  const common = ['--config', config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

  if (opts.vsix) {
    await run(opts.tools.node, [opts.tools.codeServer, ...common, '--force', '--install-extension', opts.vsix], {
      env,
      timeoutMs: 90_000,
    });
  }

  const args = [
    opts.tools.codeServer,
    ...common,
    '--bind-addr',
    '127.0.0.1:0',
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
    ...(opts.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    dirs.workspace,
  ];
  const service: Service = startService(`code-server ${opts.name}`, opts.tools.node, args, { env, cwd: opts.stateDir });
  const m = await service.waitFor(/HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)\//, 60_000);
  const port = Number(m[1]);
  const origin = `http://127.0.0.1:${port}`;
  await waitHealthy(origin, 30_000, service);
  const authority = `127.0.0.1:${port}`;
  return {
    name: opts.name,
    origin,
    authority,
    workspace: dirs.workspace,
    workbenchUrl: (extraQuery) => `${origin}/?folder=${encodeURIComponent(dirs.workspace)}${extraQuery ? `&${extraQuery}` : ''}`,
    remoteUri: (absPath) => `vscode-remote://${authority}${absPath}`,
    output: () => service.output(),
    stop: () => service.stop(),
  };
}

async function waitHealthy(origin: string, timeoutMs: number, service: Service): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new E2eError('code_server_unhealthy', `${service.name} did not answer /healthz within ${timeoutMs / 1000} s (${last}).`);
}
