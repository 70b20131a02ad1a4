import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJenkinsfile } from '../../../src/backends/jenkins/jenkinsfile.js';
import {
  type JenkinsfileObservation,
  observeJenkinsfile,
  planJenkinsfile,
} from '../../../src/facets/build/jenkinsfile.js';
import type { JournalEntry } from '../../../src/store/store.js';
import { productWith } from '../../backends/jenkins/product.js';
import { bareWithClone, commitAll, git, tempDir } from '../../helpers/git.js';

const product = productWith({ steps: ['npm ci', 'npm test'] });
const HEAD = 'a'.repeat(40);
const PROPOSED = 'b'.repeat(40);

function observed(file: Partial<JenkinsfileObservation>) {
  const jenkinsfile: JenkinsfileObservation = {
    state: 'missing',
    expectedHash: '0123456789abcdef',
    proposal: { branch: 'codemonkeys/jenkinsfile', carries: false },
    ...file,
  };
  return { repoUrl: '/repos/widget.git', branch: 'main', head: HEAD, jenkinsfile };
}

const succeeded = (key: string) => ({ idempotencyKey: key, state: 'succeeded' }) as unknown as JournalEntry;

describe('planJenkinsfile', () => {
  it('proposes nothing when the committed Jenkinsfile is the generated one', () => {
    expect(planJenkinsfile(product, observed({ state: 'current' }), undefined)).toEqual({});
  });

  it('proposes the generated Jenkinsfile on its branch when the repo has none, touching only that path', () => {
    const { action } = planJenkinsfile(product, observed({}), undefined);
    expect(action).toMatchObject({
      kind: 'jenkinsfile.propose',
      changeClass: 'change',
      paths: ['Jenkinsfile'],
      idempotencyKey: 'jenkinsfile.propose:acme/widget:0123456789abcdef',
      params: { base: HEAD, branch: 'codemonkeys/jenkinsfile', expectedHead: null },
      reason: 'main has no Jenkinsfile: propose the generated one on branch codemonkeys/jenkinsfile',
    });
  });

  it('says how many lines differ, hidden ones included, and carries the diff for review', () => {
    const diff = [
      '--- Jenkinsfile (committed)',
      '+++ Jenkinsfile (generated from the spec)',
      '@@ -1,2 +1,12 @@',
      '-old',
      ...Array.from({ length: 8 }, (_, index) => `+new ${index}`),
      '\\ 3 more + lines not shown',
      '',
    ].join('\n');
    const { action } = planJenkinsfile(
      product,
      observed({
        state: 'drifted',
        diff,
        proposal: { branch: 'codemonkeys/jenkinsfile', head: PROPOSED, carries: false },
      }),
      undefined,
    );
    expect(action?.reason).toBe(
      'the Jenkinsfile on main differs from the one its spec gives (+11 −1 lines): propose the generated one on branch codemonkeys/jenkinsfile',
    );
    expect(action?.params).toMatchObject({ diff, expectedHead: PROPOSED });
  });

  it('waits for review while the branch carries the generated text', () => {
    const result = planJenkinsfile(
      product,
      observed({ proposal: { branch: 'codemonkeys/jenkinsfile', head: PROPOSED, carries: true } }),
      undefined,
    );
    expect(result).toEqual({
      note: 'the generated Jenkinsfile waits on branch codemonkeys/jenkinsfile for review',
    });
  });

  it('takes a deleted proposal branch as a no until the generated text changes', () => {
    const journal = (key: string) =>
      key === 'jenkinsfile.propose:acme/widget:0123456789abcdef' ? succeeded(key) : undefined;
    expect(planJenkinsfile(product, observed({}), journal)).toEqual({
      note: 'the Jenkinsfile proposed on branch codemonkeys/jenkinsfile was withdrawn; change the spec to propose again',
    });
    expect(
      planJenkinsfile(product, observed({ expectedHash: 'fedcba9876543210' }), journal).action,
    ).toBeDefined();
  });
});

describe('observeJenkinsfile', () => {
  it('reads a repository on this machine in place: no mirror is made', async () => {
    const { dir, cleanup } = tempDir('cm-jenkinsfile-');
    try {
      const { bare, work } = await bareWithClone(dir);
      writeFileSync(join(work, 'Jenkinsfile'), renderJenkinsfile(product));
      const head = await commitAll(work, 'generated Jenkinsfile');
      await git(work, 'push', '-q', 'origin', 'main');
      const mirrors = join(dir, 'mirrors');
      const seen = await observeJenkinsfile(product, { url: bare, head, proposalHead: undefined }, mirrors);
      expect(seen.state).toBe('current');
      writeFileSync(join(work, 'Jenkinsfile'), 'pipeline {}\n');
      const edited = await commitAll(work, 'hand-edited');
      await git(work, 'push', '-q', 'origin', 'main');
      const drifted = await observeJenkinsfile(
        product,
        { url: bare, head: edited, proposalHead: head },
        mirrors,
      );
      expect(drifted).toMatchObject({ state: 'drifted', proposal: { head, carries: true } });
      expect(existsSync(mirrors)).toBe(false);
    } finally {
      cleanup();
    }
  });
});
