// The one small scrypt cost the network suites use, so they stay fast; clients accept it only through the test-only kdfFloor option.

import type { KdfParams } from '../../protocol/frames';

export const TEST_KDF: KdfParams = { n: 1024, r: 8, p: 1 };
