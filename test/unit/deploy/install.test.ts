import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStalePartials } from '../../../deploy/stack/install.js';

describe('removeStalePartials', () => {
  it('removes partial installs of dead processes and keeps those of live ones and other components', () => {
    const cache = mkdtempSync(join(tmpdir(), 'floe-install-'));
    const dir = join(cache, 'trino-server-476');
    // pid_max is at most 2^22, so this pid cannot exist.
    const dead = join(cache, `trino-server-476.partial-${2 ** 22 + 1}`);
    const live = join(cache, `trino-server-476.partial-${process.pid}`);
    const other = join(cache, `kafka-4.2.0.partial-${2 ** 22 + 1}`);
    for (const d of [dead, live, other]) mkdirSync(join(d, 'lib'), { recursive: true });
    expect(removeStalePartials(dir)).toEqual([`trino-server-476.partial-${2 ** 22 + 1}`]);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(removeStalePartials(join(cache, 'missing', 'x'))).toEqual([]);
  });
});
