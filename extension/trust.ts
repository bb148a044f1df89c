// The chat server's TLS certificate for the extension: pins per host:port in globalState, the
// first-use question (or an invite's fingerprint in its place), the hard failure on a changed
// certificate, and the TLS options a session connects with. Plain module (no `vscode`): the
// question is injected, so it is tested against the real server with TLS on Node.

import { parseAddress, type TlsOptions } from '../client/connection';
import { ClientError } from '../client/errors';
import type { TrustStore } from '../client/trust/known-servers';
import { CertificateChangedError, decideTrust, parseFingerprint, probeCertificate, UnknownCertificateError } from '../client/trust/tls';
import { probeServer } from './reachability';
import type { KeyValueStore } from './stores';

/** `messageApp.tls`: "on" (the default) or "off" (plain TCP, chosen on purpose). */
export type TlsSetting = 'on' | 'off';

/** The command a changed certificate names (package.json's title for messageApp.trustNewCertificate). */
export const TRUST_NEW_CERTIFICATE_TITLE = 'Message App: Trust New Server Certificate...';

const PINS_KEY = 'messageApp.serverCertificates';

/** Pins { "host:port": "SHA256:..." } in globalState (shared by every window, never by a workspace). */
export class MementoTrustStore implements TrustStore {
  constructor(private readonly memento: KeyValueStore) {}

  private all(): Record<string, string> {
    const value = this.memento.get<unknown>(PINS_KEY);
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
    for (const [address, fp] of Object.entries(value)) {
      const parsed = typeof fp === 'string' ? parseFingerprint(fp) : null;
      if (parsed !== null) out[address] = parsed;
    }
    return out;
  }

  async get(address: string): Promise<string | undefined> {
    return this.all()[address];
  }

  async set(address: string, fingerprint: string): Promise<void> {
    await this.memento.update(PINS_KEY, { ...this.all(), [address]: fingerprint });
  }

  async forget(address: string): Promise<void> {
    const all = this.all();
    delete all[address];
    await this.memento.update(PINS_KEY, { ...all });
  }
}

/** SSH's "REMOTE HOST IDENTIFICATION HAS CHANGED", with the extension's way to trust the new one on purpose. */
export function certificateChangedSentence(address: string, pinned: string, presented: string): string {
  return (
    `The TLS certificate of the chat server at ${address} has CHANGED: it was ${pinned}, it is now ${presented}. ` +
    'Someone may be intercepting the connection, or the server got a new certificate; Message App did not connect. ' +
    `If the server's operator confirms the new fingerprint, run "${TRUST_NEW_CERTIFICATE_TITLE}".`
  );
}

/** A changed certificate, said for the extension (the client's own sentence names the CLI's `chat trust`). */
export class ServerCertificateChangedError extends ClientError {
  constructor(
    readonly address: string,
    readonly pinned: string,
    readonly presented: string,
  ) {
    super('certificate_changed', certificateChangedSentence(address, pinned, presented));
  }
}

/** The client's CertificateChangedError (or its event message) as the extension's sentence. */
export function forExtension(error: unknown): unknown {
  return error instanceof CertificateChangedError ? new ServerCertificateChangedError(error.address, error.pinned, error.presented) : error;
}

/** A `certificate_changed` event message from the client, reworded for the extension (its fingerprints kept). */
export function changedMessageForExtension(message: string): string {
  const m = /server at (\S+) has CHANGED: it was (SHA256:\S+), it is now (SHA256:\S+)\./.exec(message);
  return m && m[1] && m[2] && m[3] ? certificateChangedSentence(m[1], m[2], m[3]) : message;
}

export interface ServerTrustDeps {
  store: TrustStore;
  setting(): TlsSetting;
  /** First contact with a certificate no CA vouches for: true pins it (a modal question in VS Code). */
  firstUse(address: string, fingerprint: string): Promise<boolean>;
  /** Tests: PEM CA certificate(s) to trust instead of the system store. */
  ca?: string;
  timeoutMs?: number;
}

export class ServerTrust {
  constructor(private readonly deps: ServerTrustDeps) {}

  /**
   * Before connecting (the connect flow's first step after the address): the server answers, and
   * its certificate is pinned, CA-valid, or accepted now. `expected` is an invite's fingerprint:
   * it pins that certificate without the question (and refuses any other). A pin that differs
   * throws ServerCertificateChangedError whatever a CA says; with TLS off, only reachability counts.
   */
  async check(address: string, expected?: string): Promise<void> {
    if (this.deps.setting() === 'off') {
      await probeServer(address);
      return;
    }
    const { host, port } = parseAddress(address);
    const probe = await this.probe(host, port, address);
    let decision;
    try {
      decision = await decideTrust(this.deps.store, address, probe);
    } catch (error) {
      throw forExtension(error);
    }
    switch (decision.kind) {
      case 'pinned':
      case 'ca':
        return;
      case 'ask': {
        if (expected !== undefined) {
          if (expected !== decision.fingerprint) {
            throw new UnknownCertificateError(address, decision.fingerprint, `the invite names ${expected}, so Message App did not connect. Ask for a new invite.`);
          }
        } else if (!(await this.deps.firstUse(address, decision.fingerprint))) {
          throw new UnknownCertificateError(address, decision.fingerprint, 'it was not trusted, so Message App did not connect.');
        }
        await this.deps.store.set(address, decision.fingerprint);
        return;
      }
      default: {
        const unreachable: never = decision;
        return unreachable;
      }
    }
  }

  /**
   * The TLS options a session connects with; never asks. false only with `messageApp.tls` off; a
   * pin when there is one (then only the pin counts); else normal CA verification.
   */
  async tlsFor(address: string): Promise<false | TlsOptions> {
    if (this.deps.setting() === 'off') return false;
    const base: TlsOptions = this.deps.ca !== undefined ? { ca: this.deps.ca } : {};
    const pin = await this.deps.store.get(address);
    return pin !== undefined ? { ...base, pin } : base;
  }

  /** The pinned fingerprint (for an invite); undefined for a CA-valid server or with TLS off. */
  pinOf(address: string): Promise<string | undefined> {
    return this.deps.store.get(address);
  }

  /** Trust New Server Certificate: the certificate the server shows now, next to the pin. */
  async current(address: string): Promise<{ pinned: string | undefined; presented: string }> {
    const { host, port } = parseAddress(address);
    const probe = await this.probe(host, port, address);
    return { pinned: await this.deps.store.get(address), presented: probe.fingerprint };
  }

  /** Pins on purpose, replacing an old pin (after the user compared the new fingerprint). */
  pin(address: string, fingerprint: string): Promise<void> {
    return this.deps.store.set(address, fingerprint);
  }

  private async probe(host: string, port: number, address: string): ReturnType<typeof probeCertificate> {
    try {
      return await probeCertificate(host, port, {
        ...(this.deps.ca !== undefined ? { ca: this.deps.ca } : {}),
        timeoutMs: this.deps.timeoutMs ?? 5000,
      });
    } catch (error) {
      // The probe's sentence for a plaintext server names the CLI's --insecure; say the setting instead.
      if (error instanceof ClientError && error.code === 'untrusted_certificate') {
        throw new ClientError(
          'untrusted_certificate',
          `The chat server at ${address} did not answer with TLS. If it runs with --tls off on purpose, set "messageApp.tls" to "off" ` +
            '(the network can then read room names and timing); otherwise check the address.',
        );
      }
      throw error;
    }
  }
}
