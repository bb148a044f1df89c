// Per-user key crypto on Node 20 (the VS Code extension host's runtime).

import { epochCases } from './epochs-cases';

describe('epochs crypto (Node)', () => {
  for (const c of epochCases()) it(c.name, c.run);
});
