import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullRequestView } from '../../src/engine/pr-view.js';
import { buildPullRequestView } from '../../src/engine/pull-request.js';
import { renderPullRequestMarkdown } from '../../src/engine/render/markdown.js';
import { createLogger } from '../../src/log/logger.js';
import { TEST_NOW } from '../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { git } from '../helpers/git.js';

const logger = createLogger({ level: 'silent' });
let repo: FleetRepo;
let view: PullRequestView;

beforeAll(async () => {
  repo = await createFleetRepo([
    { org: 'acme', name: 'lib' },
    { org: 'acme', name: 'app' },
    { org: 'acme', name: 'old' },
  ]);
  await git(repo.fleetDir, 'tag', 'base');
  // The pull request: add a product, change one, remove one, and tighten the constitution.
  await repo.addProduct({ org: 'acme', name: 'new' });
  repo.writeProduct({ org: 'acme', name: 'app', steps: ['test -f README.md', 'true'] });
  rmSync(join(repo.fleetDir, 'products/acme/old.yaml'));
  const constitution = readFileSync(join(repo.fleetDir, 'constitution.yaml'), 'utf8').replace(
    '  rules: []',
    '  rules:\n    - { id: lib-frozen, match: { products: [acme/lib] }, effect: deny, message: "lib is frozen" }\n    - { id: ask-for-new, match: { products: [acme/new] }, effect: require-approval }',
  );
  writeFileSync(join(repo.fleetDir, 'constitution.yaml'), constitution);
  await repo.commitFleet('the pull request');
  view = await buildPullRequestView({
    fleet: repo.fleetDir,
    base: 'base',
    head: 'HEAD',
    cwd: repo.root,
    env: process.env,
    logger,
    now: TEST_NOW,
  });
}, 60_000);
afterAll(() => repo.cleanup());

describe('the pull-request view of a fleet change', () => {
  it('lists manifests added, changed and removed', () => {
    expect(view.manifests).toEqual([
      { file: 'constitution.yaml', change: 'changed', what: 'Constitution' },
      { file: 'products/acme/app.yaml', change: 'changed', what: 'Product acme/app' },
      { file: 'products/acme/new.yaml', change: 'added', what: 'Product acme/new' },
      { file: 'products/acme/old.yaml', change: 'removed', what: 'Product acme/old' },
    ]);
  });

  it('flags the constitution change with the rules it adds', () => {
    expect(view.constitution).toMatchObject({
      changed: true,
      rulesAdded: ['lib-frozen', 'ask-for-new'],
      rulesRemoved: [],
      rulesChanged: [],
    });
  });

  it('compares the plan at head with the plan at base', () => {
    const keyOf = (action: { kind: string; product: string }) => `${action.kind} ${action.product}`;
    expect(view.comparison.added.map(keyOf)).toEqual(['build.trigger acme/new']);
    expect(view.comparison.removed.map(keyOf)).toEqual(['build.trigger acme/old']);
    expect(view.comparison.changed.map(({ head }) => keyOf(head)).sort()).toEqual([
      'build.trigger acme/app',
      'build.trigger acme/lib',
    ]);
    const lib = view.comparison.changed.find(({ head }) => head.product === 'acme/lib');
    expect(lib?.base.verdict.effect).toBe('allow');
    expect(lib?.head.verdict).toMatchObject({ effect: 'deny', rules: ['lib-frozen'] });
  });

  it('renders one Markdown comment: summary first, denied and approvals prominent, details collapsed', () => {
    const markdown = renderPullRequestMarkdown(view, { base: 'base', head: 'HEAD' });
    const denied = markdown.indexOf('### ⛔ Denied (1)');
    const awaiting = markdown.indexOf('### ⏳ Awaiting approval (1)');
    const firstDetails = markdown.indexOf('<details>');
    expect(denied).toBeGreaterThan(0);
    expect(awaiting).toBeGreaterThan(denied);
    expect(firstDetails).toBeGreaterThan(awaiting);
    expect(markdown).toContain('| `build.trigger` | acme/lib | `lib-frozen` | lib is frozen |');
    expect(markdown).toMatch(
      /\*\*The constitution changes\*\* in this pull request: rules added: `lib-frozen`, `ask-for-new`/,
    );
    expect(markdown).toMatch(/<details><summary>Actions removed \(1\)<\/summary>/);
    expect(markdown).not.toMatch(/Truncated/);
  });

  it('stays under the comment limit with an explicit truncation note', () => {
    const markdown = renderPullRequestMarkdown(view, { base: 'base', head: 'HEAD' }, 2_000);
    expect(markdown.length).toBeLessThanOrEqual(2_000);
    expect(markdown).toMatch(
      /Truncated: \d+ rows? not shown, to keep this comment under 2,000 characters\. Run `codemonkeys plan --base base --head HEAD`/,
    );
  });

  it('shows an invalid head as errors, with no plan to act on', async () => {
    writeFileSync(join(repo.fleetDir, 'products/acme/new.yaml'), 'kind: Product\n');
    await repo.commitFleet('break it');
    const broken = await buildPullRequestView({
      fleet: repo.fleetDir,
      base: 'base',
      head: 'HEAD',
      cwd: repo.root,
      env: process.env,
      logger,
      now: TEST_NOW,
    });
    expect(broken.headPlan).toBeUndefined();
    const markdown = renderPullRequestMarkdown(broken, { base: 'base', head: 'HEAD' });
    expect(markdown).toMatch(
      /\*\*The fleet repo at head is invalid\*\* \(\d+ errors?\): it will not be acted on/,
    );
    expect(markdown).toContain('`products/acme/new.yaml`');
  });
});
