import { describe, expect, it } from 'vitest';
import type { GatedAction } from '../../src/actions/action.js';
import type { Plan } from '../../src/engine/plan-model.js';
import { renderPlanMarkdown } from '../../src/engine/render/markdown.js';
import { allowedTrigger } from '../helpers/engine.js';

function planCutting(notes: string): Plan {
  const cut: GatedAction = {
    ...allowedTrigger('acme/lib'),
    id: 'c'.repeat(16),
    facet: 'release',
    kind: 'release.cut',
    params: { version: '1.3.0', notes },
    reason: 'release 1.3.0 from main@aaaaaaa: feat in 1 commit: minor',
  };
  return {
    id: 'p'.repeat(64),
    createdAt: '2026-11-26T12:00:00.000Z',
    dryRun: true,
    fleet: { source: '/fleet', revision: null, dirty: false },
    constitutionRevision: 'r'.repeat(16),
    summary: {
      actions: 1,
      runnable: 1,
      blocked: 0,
      byEffect: { allow: 1, warn: 0, 'require-approval': 0, deny: 0 },
      orphans: 0,
    },
    actions: [cut],
    products: [],
    orphans: [],
  } as unknown as Plan;
}

describe('the plan as a pull-request comment', () => {
  it('shows the notes of each release it cuts, quoted, with any HTML in them shown rather than rendered', () => {
    const markdown = renderPlanMarkdown(
      planCutting('## 1.3.0 (2026-11-26)\n\n### Features\n\n* close </details> early (abc1234)\n'),
    );
    expect(markdown).toContain('### Releases (1)');
    expect(markdown).toContain('<details><summary>acme/lib 1.3.0: release notes</summary>');
    expect(markdown).toContain(
      '> ## 1.3.0 (2026-11-26)\n>\n> ### Features\n>\n> * close &lt;/details&gt; early (abc1234)',
    );
    expect(markdown.match(/<\/details>/g)).toHaveLength(2);
  });
});
