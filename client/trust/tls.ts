// Trust on first use for the server's TLS certificate: its fingerprint, a probe that reads it, and the decision per host:port.

import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { ClientError } from '../errors';
import type { TrustStore } from './known-servers';

/** PROTOCOL.md section 8: "SHA256:" + unpadded base64 of SHA-256 over the DER certificate (as OpenSSH shows keys). */
export function fingerprintOfDer(der: Uint8Array | undefined): string {
  if (!der || der.length === 0) return 'SHA256:(no certificate)';
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** A fingerprint as a user may paste it: checked, or null. */
export function parseFingerprint(text: string): string | null {
  const value = text.trim();
  return FINGERPRINT.test(value) ? value : null;
}

/** The certificate differs from the pin: SSH's "REMOTE HOST IDENTIFICATION HAS CHANGED". Never retried. */
export class CertificateChangedError extends ClientError {
  constructor(
    readonly address: string,
    readonly pinned: string,
    readonly presented: string,
  ) {
    super(
      'certificate_changed',
      `The TLS certificate of the server at ${address} has CHANGED: it was ${pinned}, it is now ${presented}. ` +
        'Someone may be intercepting the connection, or the server got a new certificate. ' +
        `If you have confirmed the new fingerprint with the server's operator, trust it with: chat trust --server ${address} --trust ${presented}`,
    );
  }
}

/** No pin, no CA vouches, and nobody accepted the fingerprint. */
export class UnknownCertificateError extends ClientError {
  constructor(
    readonly address: string,
    readonly presented: string,
    detail: string,
  ) {
    super(
      'untrusted_certificate',
      `The TLS certificate of the server at ${address} is not known (${presented}); ${detail}`,
    );
  }
}

export interface CertificateProbe {
  fingerprint: string;
  /** A CA in the trust store (system or `ca`) signed it and it names this host. */
  caValid: boolean;
  /** Why it is not CA-valid (OpenSSL's code or the name mismatch). */
  caError?: string;
}

/** Opens a TLS connection only to read the server's certificate, then closes it. */
export function probeCertificate(
  host: string,
  port: number,
  opts: { ca?: string | string[]; timeoutMs?: number } = {},
): Promise<CertificateProbe> {
  const address = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ClientError('unreachable', `Cannot reach the chat server at ${address} (timed out).`));
    }, opts.timeoutMs ?? 10_000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert: PeerCertificate = socket.getPeerCertificate();
      const fingerprint = fingerprintOfDer(cert.raw);
      let caError = socket.authorized ? undefined : String(socket.authorizationError ?? 'not authorized');
      if (caError === undefined) {
        const nameError = checkServerIdentity(host, cert);
        if (nameError) caError = 'ERR_TLS_CERT_ALTNAME_INVALID';
      }
      socket.destroy();
      resolve(caError === undefined ? { fingerprint, caValid: true } : { fingerprint, caValid: false, caError });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const code = error.code ?? '';
      // Something answered, but not with TLS: most likely a server run with --tls off. Never fall back to plaintext.
      if (code.startsWith('ERR_SSL') || code === 'EPROTO' || code === 'ECONNRESET') {
        reject(
          new ClientError(
            'untrusted_certificate',
            `The server at ${address} did not answer with TLS (${code}); if it runs with --tls off, connecting needs --insecure, which lets the network read room names and timing.`,
          ),
        );
        return;
      }
      reject(new ClientError('unreachable', `Cannot reach the chat server at ${address} (${code || error.message}).`));
    });
  });
}

/**
 * What to do with a probed certificate:
 * - pinned: it matches the pin; connect with `pin`.
 * - ca: no pin, a CA vouches for it; connect with normal verification (not pinned, so a renewed
 *   certificate keeps working).
 * - ask: no pin and no CA; show `fingerprint` and pin it if the user (or --trust / an invite) accepts.
 * A pin that differs throws CertificateChangedError, whatever any CA says.
 */
export type TrustDecision = { kind: 'pinned'; pin: string } | { kind: 'ca' } | { kind: 'ask'; fingerprint: string };

export async function decideTrust(store: TrustStore, address: string, probe: CertificateProbe): Promise<TrustDecision> {
  const pin = await store.get(address);
  if (pin !== undefined) {
    if (pin !== probe.fingerprint) throw new CertificateChangedError(address, pin, probe.fingerprint);
    return { kind: 'pinned', pin };
  }
  if (probe.caValid) return { kind: 'ca' };
  return { kind: 'ask', fingerprint: probe.fingerprint };
}

/** The first-use question, SSH-style. */
export function firstUseQuestion(address: string, fingerprint: string): string {
  return (
    `The authenticity of the chat server at ${address} can't be established.\n` +
    `Its TLS certificate fingerprint is ${fingerprint}.\n` +
    'Compare it with the one the server operator gave you (npm run server -- --fingerprint).\n' +
    'Trust this certificate and continue (yes/no)? '
  );
}
