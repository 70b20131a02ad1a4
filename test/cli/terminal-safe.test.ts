import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { tempDir } from '../helpers/git.js';
import { RAW_CONTROL } from '../helpers/terminal.js';

/** What a hostile file carries: a clear-screen, a title change ended by BEL, a right-to-left override. */
const CLEAR = '\u001b[2J';
const TITLE = '\u001b]0;pwned\u0007';
const RLO = '\u202e';

/** Neither stream of a run holds a character the terminal would act on. */
function expectShownOnly(run: CliRun): void {
  expect(run.stdout).not.toMatch(RAW_CONTROL);
  expect(run.stderr).not.toMatch(RAW_CONTROL);
}

const temps: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of temps) cleanup();
});
beforeAll(() => ensureBuilt(), 120_000);

describe('validate on a manifest with control and bidi characters in it', () => {
  let dir: string;
  beforeAll(async () => {
    const temp = tempDir('cm-terminal-');
    temps.push(temp.cleanup);
    dir = join(temp.dir, 'fleet');
    await runCli(['init', dir, '--no-git']);
    const product = join(dir, 'products/my-org/hello.yaml');
    // The timeout (YAML escapes) fails validation, and the comment after it carries the same bytes raw,
    // with NUL and CR; a build step carries them raw before the item that fails.
    const timeout = `timeout: "\\e[2J\\e]0;pwned\\a soon \\u202Eevil"  # ${TITLE}${CLEAR} nul \u0000 cr \r ${RLO}end`;
    const steps = `steps: [a\u0007${RLO}b\u001bc\u0000d, 5]`;
    const text = readFileSync(product, 'utf8');
    writeFileSync(
      product,
      text.replace('timeout: 15m', timeout).replace('steps: ["npm ci", "npm test"]', steps),
    );
  }, 60_000);

  it('prints the errors and the excerpts with every control and bidi character escaped', async () => {
    const run = await runCli(['validate'], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expectShownOnly(run);
    expect(run.stdout).toContain("found '\\x1b[2J\\x1b]0;pwned\\x07 soon \\u202eevil' [bad-format]");
    expect(run.stdout).toContain('# \\x1b]0;pwned\\x07\\x1b[2J nul \\x00 cr \\r \\u202eend');
    expect(run.stdout).toContain('  14 |     steps: [a\\x07\\u202eb\\x1bc\\x00d, 5]');
  });

  it('keeps the caret under the value it points at, however wide the escapes before it', async () => {
    const run = await runCli(['validate'], { cwd: dir });
    const lines = run.stdout.split('\n');
    const excerpt = lines.findIndex((line) => line.startsWith('  14 |     steps:'));
    expect(lines[excerpt - 1]).toMatch(/^products\/my-org\/hello\.yaml:14:23: error: expected a string/);
    expect(lines[excerpt + 1]?.indexOf('^')).toBe(lines[excerpt]?.indexOf('5'));
  });

  it('prints JSON that parses to the very characters of the file, with none of them raw', async () => {
    const run = await runCli(['validate', '--format', 'json'], { cwd: dir });
    expectShownOnly(run);
    expect(run.stdout).toContain('\\u001b]0;pwned\\u0007 soon \\u202eevil');
    const report = JSON.parse(run.stdout) as { errors: { pointer: string; message: string }[] };
    const timeout = report.errors.find((error) => error.pointer === '/spec/build/timeout');
    expect(timeout?.message).toContain(`${CLEAR}${TITLE} soon ${RLO}evil`);
  });

  it('escapes a file name that carries control characters where a problem is located', async () => {
    writeFileSync(join(dir, `products/my-org/x${CLEAR}${RLO}.yaml`), 'apiVersion: codemonkeys.dev/v1\n');
    const run = await runCli(['validate'], { cwd: dir });
    expectShownOnly(run);
    expect(run.stdout).toMatch(/^products\/my-org\/x\\x1b\[2J\\u202e\.yaml:1:1: error: /m);
  });
});

describe('plan, reconcile, status, approve and audit where manifests and arguments carry control characters', () => {
  let repo: FleetRepo;
  const cli = (...args: string[]) => runCli(['--fleet', repo.fleetDir, ...args], { cwd: repo.root });
  // The command, with the bytes raw in it, is in the Stalled message; the build log gets them too.
  const step = `printf '${TITLE}${CLEAR}${RLO}\\r\\n'; exit 3`;

  beforeAll(async () => {
    repo = await createFleetRepo(
      [
        { org: 'acme', name: 'evil', steps: [step] },
        { org: 'acme', name: 'denied' },
      ],
      `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: rules }
spec:
  rules:
    - id: no-denied
      match: { products: [acme/denied] }
      effect: deny
      message: "stop\\e[2J\\e]0;pwned\\a here\\u202E\\nsecond line\\rover"
`,
    );
    temps.push(repo.cleanup);
  }, 120_000);

  it('plan shows the rule message escaped, its own line break kept and indented under the action', async () => {
    const run = await cli('plan');
    expect(run.exitCode).toBe(0);
    expectShownOnly(run);
    expect(run.stdout).toContain(
      '✗ denied by no-denied: stop\\x1b[2J\\x1b]0;pwned\\x07 here\\u202e\n        second line\\rover',
    );
  });

  it('plan --format markdown puts the message in one table cell, escaped', async () => {
    const run = await cli('plan', '--format', 'markdown');
    expectShownOnly(run);
    expect(run.stdout).toContain('| stop\\x1b[2J\\x1b]0;pwned\\x07 here\\u202e<br>second line\\rover |');
  });

  it('plan --format json is valid JSON holding the message exactly', async () => {
    const run = await cli('plan', '--format', 'json');
    expectShownOnly(run);
    const plan = JSON.parse(run.stdout) as {
      actions: { product: string; verdict: { messages: string[] } }[];
    };
    const denied = plan.actions.find((action) => action.product === 'acme/denied');
    expect(denied?.verdict.messages).toEqual([`stop${CLEAR}${TITLE} here${RLO}\nsecond line\rover`]);
  });

  it('reconcile and status print the failed build step escaped, in a row of its own', async () => {
    const row =
      /^ {2}acme\/evil +False +Stalled +BuildFailed +build: build of \S+ failed: step 1 `(.*)` exited 3$/m;
    const shown = "printf '\\x1b]0;pwned\\x07\\x1b[2J\\u202e\\r\\n'; exit 3";
    const reconcile = await cli('reconcile');
    expectShownOnly(reconcile);
    expect(reconcile.stdout.match(row)?.[1]).toBe(shown);
    const status = await cli('status');
    expect(status.exitCode).toBe(1);
    expectShownOnly(status);
    expect(status.stdout.match(row)?.[1]).toBe(shown);
    const json = await cli('status', '--format', 'json');
    expectShownOnly(json);
    const products = JSON.parse(json.stdout).products as Record<string, { message: string }[]>;
    expect(products['acme/evil']?.some((condition) => condition.message.includes(step))).toBe(true);
  });

  it('approve and audit show who approved and why escaped, one entry per line', async () => {
    const reason = `ok${TITLE}${RLO}\nnext`;
    const approve = await cli('approve', '0123456789abcdef', '--by', `al${CLEAR}ice`, '--reason', reason);
    expect(approve.exitCode).toBe(0);
    expectShownOnly(approve);
    expect(approve.stdout).toBe('approved action 0123456789abcdef by al\\x1b[2Jice');
    const audit = await cli('audit');
    expect(audit.exitCode).toBe(0);
    expectShownOnly(audit);
    expect(audit.stdout).toContain(
      'al\\x1b[2Jice  reason=ok\\x1b]0;pwned\\x07\\u202e\\nnext target=0123456789abcdef',
    );
  });
});
