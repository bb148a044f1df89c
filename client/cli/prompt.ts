// A yes/no question on the terminal (stderr), for trust on first use; without a terminal the answer is no.

import { createInterface } from 'node:readline';

export async function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (;;) {
      const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
      const value = answer.trim().toLowerCase();
      if (value === 'yes') return true;
      if (value === 'no' || value === '') return false;
      question = 'Please type "yes" or "no": ';
    }
  } finally {
    rl.close();
  }
}
