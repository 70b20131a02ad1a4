import { describe, expect, it } from 'vitest';
import { classifyActions, readPlanJson } from '../../../src/backends/tofu/plan-json.js';
import { CodemonkeysError } from '../../../src/errors.js';

function change(address: string, actions: string[], before: unknown = null, after: unknown = null) {
  return { address, mode: 'managed', type: 'terraform_data', change: { actions, before, after } };
}

describe('classifyActions', () => {
  it.each([
    [['no-op'], undefined],
    [['read'], undefined],
    [['create'], 'create'],
    [['update'], 'update'],
    [['delete'], 'delete'],
    [['delete', 'create'], 'replace'],
    [['create', 'delete'], 'replace'],
    [['forget'], 'forget'],
    [[], undefined],
  ])('%j → %s', (actions, expected) => {
    expect(classifyActions(actions)).toBe(expected);
  });
});

describe('readPlanJson', () => {
  it('counts as tofu does: a replace is one add and one destroy; no-op and read count nothing', () => {
    const { summary } = readPlanJson(
      JSON.stringify({
        format_version: '1.2',
        resource_changes: [
          change('b.create', ['create']),
          change('a.update', ['update']),
          change('c.replace', ['delete', 'create']),
          change('d.delete', ['delete']),
          change('e.same', ['no-op']),
          change('data.f', ['read']),
          change('g.forget', ['forget']),
        ],
        resource_drift: [change('a.update', ['update'])],
        output_changes: { url: { actions: ['update'] }, same: { actions: ['no-op'] } },
      }),
    );
    expect(summary).toEqual({
      add: 2,
      change: 1,
      destroy: 2,
      forget: 1,
      outputs: 1,
      resources: [
        { address: 'a.update', action: 'update' },
        { address: 'b.create', action: 'create' },
        { address: 'c.replace', action: 'replace' },
        { address: 'd.delete', action: 'delete' },
        { address: 'g.forget', action: 'forget' },
      ],
      drift: [{ address: 'a.update', action: 'update' }],
    });
  });

  it('reads a plan with nothing in it, and ignores fields it does not know', () => {
    const read = readPlanJson(JSON.stringify({ format_version: '1.9', something_new: { x: 1 } }));
    expect(read.summary).toMatchObject({ add: 0, change: 0, destroy: 0, resources: [], drift: [] });
  });

  it('gives equal fingerprints to equal changes in any key order, and different ones to different values', () => {
    const plan = (after: unknown) =>
      readPlanJson(JSON.stringify({ resource_changes: [change('a', ['update'], { x: 1, y: 2 }, after)] }));
    const reordered = readPlanJson(
      JSON.stringify({
        resource_changes: [
          { change: { after: { x: 2 }, before: { y: 2, x: 1 }, actions: ['update'] }, address: 'a' },
        ],
      }),
    );
    expect(plan({ x: 2 }).fingerprint).toBe(reordered.fingerprint);
    expect(plan({ x: 3 }).fingerprint).not.toBe(plan({ x: 2 }).fingerprint);
  });

  it('gives the same fingerprint to a plan made in a scratch copy of the working directory', () => {
    const planIn = (dir: string) =>
      readPlanJson(
        JSON.stringify({
          resource_changes: [
            change('local_file.index', ['create'], null, { filename: `${dir}/site/index.html` }),
          ],
          output_changes: {
            url: { actions: ['create'], before: null, after: `file://${dir}/site/index.html` },
          },
        }),
        [dir, `/private${dir}`],
      ).fingerprint;
    expect(planIn('/tmp/codemonkeys-tofu-a1/workspaces/acme/widget')).toBe(
      planIn('/home/me/fleet/.codemonkeys/tofu/workspaces/acme/widget'),
    );
    // Outside the working directory, a path is a value like any other.
    const elsewhere = (dir: string) =>
      readPlanJson(
        JSON.stringify({ resource_changes: [change('f', ['create'], null, { filename: `${dir}/x` })] }),
        ['/work/a'],
      ).fingerprint;
    expect(elsewhere('/srv/one')).not.toBe(elsewhere('/srv/two'));
  });

  it.each([
    ['not JSON', 'TofuOutputUnreadable', 'transient'],
    ['[1, 2]', 'TofuOutputUnreadable', 'transient'],
    ['{"format_version": "2.0"}', 'TofuOutputUnsupported', 'stalled'],
  ])('refuses %s with %s', (text, reason, next) => {
    let thrown: unknown;
    try {
      readPlanJson(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CodemonkeysError);
    expect(thrown).toMatchObject({ reason, next });
  });
});
