// Per-user key crypto on Bun (the chat CLI's runtime).

import { describe, test } from 'bun:test';
import { epochCases } from './epochs-cases';

describe('epochs crypto (Bun)', () => {
  for (const c of epochCases()) test(c.name, c.run);
});
