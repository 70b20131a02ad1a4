import { describe, expect, it } from 'vitest';
import { runCliHere } from '../helpers/cli.js';
import { SATURDAY_NOON_BERLIN } from '../helpers/clock.js';
import { useQuickstartCopy } from './fixture.js';

const paths = useQuickstartCopy('saved');

/** The CLI in this process, on a pinned clock (a Saturday), in the fleet's folder. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliHere(args, {
    cwd: paths.fleet,
    env: { ...process.env, CODEMONKEYS_CACHE_DIR: paths.cache },
    at: SATURDAY_NOON_BERLIN,
  });
}

describe('a saved plan of the quickstart', () => {
  it('applies on first use, before any state exists: planning in a scratch folder gives the same plan', async () => {
    // acme/widget's landing page is planned in a scratch copy of its working directory while there is
    // no state yet, and in the working directory itself by apply: its outputs name that directory.
    const planned = await cli('plan', '--out', 'p.json');
    expect(planned.code).toBe(0);
    expect(planned.stdout).toMatch(/infra\.apply\s+acme\/widget/);
    const applied = await cli('apply', '--plan', 'p.json', '--auto-approve');
    expect(applied.stderr).not.toMatch(/stale/);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/✓ build\.trigger\s+acme\/core-lib\s+succeeded/);
  });
});
