import { describe, expect, it } from 'vitest';
import { HeadsCache } from '../../../src/backends/git/heads-cache.js';

/** A cache over a fake `ls-remote` that counts its reads, on a clock the test moves. */
function setup(fail = false, local: Record<string, string> = {}) {
  const clock = { now: 0 };
  const reads: string[] = [];
  const cache = new HeadsCache({
    ttlMs: 10_000,
    now: () => clock.now,
    local: async (url, branches) => {
      const head = local[url];
      return head === undefined
        ? undefined
        : new Map(branches.map((branch) => [branch, `${head}@${clock.now}`]));
    },
    read: async (url, branches) => {
      reads.push(url);
      if (fail) throw new Error('unreachable');
      return new Map(branches.map((branch) => [branch, `${url}@${clock.now}`]));
    },
  });
  return { clock, reads, cache };
}

describe('HeadsCache', () => {
  it('answers from memory within the TTL, and reads again after it', async () => {
    const { clock, reads, cache } = setup();
    expect((await cache.heads('/a.git', ['main'])).get('main')).toBe('/a.git@0');
    clock.now = 9_999;
    expect((await cache.heads('/a.git', ['main'])).get('main')).toBe('/a.git@0');
    expect(cache.servedRemembered()).toBe(true);
    clock.now = 10_000;
    expect((await cache.heads('/a.git', ['main'])).get('main')).toBe('/a.git@10000');
    expect(reads).toEqual(['/a.git', '/a.git']);
  });

  it('shares one read between callers asking at once, keyed by the branches whatever their order', async () => {
    const { reads, cache } = setup();
    await Promise.all([cache.heads('/a.git', ['main', 'x']), cache.heads('/a.git', ['x', 'main'])]);
    await cache.heads('/a.git', ['main']);
    expect(reads).toEqual(['/a.git', '/a.git']);
  });

  it('reads a repository afresh after a push to it, and everything after clear', async () => {
    const { reads, cache } = setup();
    await cache.heads('/a.git', ['main']);
    await cache.heads('/b.git', ['main']);
    cache.invalidate('/a.git');
    await cache.heads('/a.git', ['main']);
    await cache.heads('/b.git', ['main']);
    expect(reads).toEqual(['/a.git', '/b.git', '/a.git']);
    cache.clear();
    expect(cache.servedRemembered()).toBe(false);
    await cache.heads('/b.git', ['main']);
    expect(reads).toEqual(['/a.git', '/b.git', '/a.git', '/b.git']);
  });

  it('does not remember a failed read', async () => {
    const { reads, cache } = setup(true);
    await expect(cache.heads('/a.git', ['main'])).rejects.toThrow('unreachable');
    await expect(cache.heads('/a.git', ['main'])).rejects.toThrow('unreachable');
    expect(reads).toEqual(['/a.git', '/a.git']);
  });

  it('reads a repository on this machine afresh every time, and does not count it as remembered', async () => {
    const { clock, reads, cache } = setup(false, { '/local.git': 'local' });
    expect((await cache.heads('/local.git', ['main'])).get('main')).toBe('local@0');
    clock.now = 1;
    expect((await cache.heads('/local.git', ['main'])).get('main')).toBe('local@1');
    expect(cache.servedRemembered()).toBe(false);
    expect(reads).toEqual([]);
  });
});
