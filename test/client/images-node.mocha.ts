// The image pipeline on Node 20 (the VS Code extension host's runtime), same cases as on Bun.

import { imageCases } from './images-cases';

describe('images (Node)', function () {
  // The large JPEG cases encode and decode megapixel fixtures in pure JavaScript: on a busy 2-core machine
  // they passed 20 s (mocha's default here), which is a limit against hangs, not a speed target.
  this.timeout(60_000);
  for (const c of imageCases()) it(c.name, c.run);
});
