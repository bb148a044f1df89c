// Entry point of the server: reads flags, opens the store, listens, and stops gracefully on SIGINT/SIGTERM.

import { ConfigError, USAGE, loadConfig, type ServerConfig } from './config';
import { Relay } from './relay';
import { Store } from './store';
import { loadTls, type TlsMaterial } from './tls';

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

function fail(message: string, status: number): never {
  process.stderr.write(`message-app server: ${message}\n`);
  process.exit(status);
}

async function main(): Promise<void> {
  let config: ServerConfig;
  let tls: TlsMaterial | undefined;
  let fingerprintOnly = false;
  try {
    const parsed = loadConfig(process.argv.slice(2), process.env, process.cwd());
    if (parsed.help) {
      process.stdout.write(USAGE);
      return;
    }
    config = parsed.config;
    fingerprintOnly = parsed.fingerprint;
  } catch (error) {
    if (error instanceof ConfigError) fail(`${error.message}\nRun with --help to see the options.`, 2);
    throw error;
  }
  if (config.tls) {
    try {
      tls = await loadTls({ dataFile: config.dataFile, ...(config.tlsCert !== undefined && config.tlsKey !== undefined ? { certFile: config.tlsCert, keyFile: config.tlsKey } : {}) });
    } catch (error) {
      if (error instanceof ConfigError) fail(error.message, 2);
      fail(`cannot create the TLS certificate: ${error instanceof Error ? error.message : String(error)}`, 1);
    }
    if (tls.created) log(`created a self-signed TLS certificate in the data folder (${tls.fingerprint})`);
  } else {
    log('WARNING: TLS is off (--tls off): anyone on the network sees room names, user timing and message sizes, and can record join proofs to guess passphrases offline');
  }
  if (fingerprintOnly && tls) {
    process.stdout.write(`${tls.fingerprint}\n`);
    return;
  }

  let store: Store;
  try {
    store = new Store(config.dataFile, { sync: config.sync, log });
  } catch (error) {
    fail(`cannot open the data file ${config.dataFile}: ${error instanceof Error ? error.message : String(error)}`, 1);
  }

  let relay: Relay;
  try {
    relay = new Relay({ config, store, log, ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}) });
  } catch (error) {
    void store.close();
    fail(`cannot listen on ${config.host}:${config.port}: ${error instanceof Error ? error.message : String(error)}`, 1);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      log(`${signal} again: exiting at once`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping`);
    relay
      .stop()
      .then(() => store.close())
      .then(() => {
        log('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        log(`error while stopping: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  // The one line on stdout, printed once signals are handled: scripts and tests read the port from it.
  process.stdout.write(
    `message-app server listening on ${config.host}:${relay.port} (${relay.tls ? 'tls' : 'tcp'}), data in ${config.dataFile}` +
      `${tls ? `, certificate ${tls.fingerprint}` : ''}\n`,
  );
}

void main();
