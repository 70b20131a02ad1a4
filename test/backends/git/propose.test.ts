import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureMirror } from '../../../src/backends/git/mirror.js';
import { type FileProposal, proposeFile, readFileAt } from '../../../src/backends/git/propose.js';
import { branchHeads } from '../../../src/backends/git/remote.js';
import { CodemonkeysError } from '../../../src/errors.js';
import { bareWithClone, commitAll, git, tempDir } from '../../helpers/git.js';

const temps: { cleanup(): void }[] = [];
afterEach(() => {
  for (const temp of temps.splice(0)) temp.cleanup();
});

/** A bare repo with one commit on main, and a proposal of `Jenkinsfile` on top of it. */
async function setup(): Promise<{ root: string; bare: string; work: string; proposal: FileProposal }> {
  const temp = tempDir('cm-propose-');
  temps.push(temp);
  const { bare, work } = await bareWithClone(temp.dir);
  writeFileSync(join(work, 'README.md'), '# repo\n');
  const base = await commitAll(work, 'first');
  await git(work, 'push', '-q', 'origin', 'main');
  const proposal: FileProposal = {
    repoUrl: bare,
    mirrorDir: join(temp.dir, 'mirrors'),
    base,
    branch: 'codemonkeys/jenkinsfile',
    path: 'Jenkinsfile',
    content: 'pipeline { agent any }\n',
    message: 'ci: the generated Jenkinsfile\n\nbody\n',
    expectedHead: undefined,
    workDir: join(temp.dir, 'work-area'),
  };
  return { root: temp.dir, bare, work, proposal };
}

describe('proposeFile', () => {
  it('pushes one commit on the base that adds the file, on the proposal branch only', async () => {
    const { bare, proposal } = await setup();
    const result = await proposeFile(proposal);
    expect(result).toMatchObject({
      outcome: 'pushed',
      branch: 'codemonkeys/jenkinsfile',
      base: proposal.base,
    });
    const heads = await branchHeads(bare, ['main', 'codemonkeys/jenkinsfile']);
    expect(heads.get('main')).toBe(proposal.base);
    expect(heads.get('codemonkeys/jenkinsfile')).toBe(result.commit);
    expect(await git(bare, 'rev-parse', `${result.commit}^`)).toBe(proposal.base);
    expect(await git(bare, 'show', `${result.commit}:Jenkinsfile`)).toBe('pipeline { agent any }');
    expect(await git(bare, 'log', '-1', '--format=%an <%ae>%n%s', result.commit)).toBe(
      'Code Monkeys Ship <codemonkeys@localhost>\nci: the generated Jenkinsfile',
    );
  });

  it('pushes nothing when the branch already carries the same file on the same base (a retry)', async () => {
    const { bare, proposal } = await setup();
    const first = await proposeFile(proposal);
    const again = await proposeFile({ ...proposal, expectedHead: first.commit });
    expect(again).toMatchObject({ outcome: 'unchanged', commit: first.commit });
    expect((await branchHeads(bare, ['codemonkeys/jenkinsfile'])).get('codemonkeys/jenkinsfile')).toBe(
      first.commit,
    );
  });

  it('rewrites its own branch with a new text, but never overwrites a commit someone else pushed there', async () => {
    const { bare, work, proposal } = await setup();
    const first = await proposeFile(proposal);
    const second = await proposeFile({
      ...proposal,
      content: 'pipeline { agent none }\n',
      expectedHead: first.commit,
    });
    expect(second.outcome).toBe('pushed');
    expect(await git(bare, 'show', `${second.commit}:Jenkinsfile`)).toBe('pipeline { agent none }');
    // A reviewer adds a commit to the proposal branch; a proposal planned before that is refused.
    await git(work, 'fetch', '-q', 'origin');
    await git(work, 'checkout', '-q', '-b', 'review', 'origin/codemonkeys/jenkinsfile');
    writeFileSync(join(work, 'NOTE.md'), 'reviewed\n');
    const human = await commitAll(work, 'review note');
    await git(work, 'push', '-q', 'origin', 'review:codemonkeys/jenkinsfile');
    const error = await proposeFile({ ...proposal, content: 'x\n', expectedHead: second.commit }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CodemonkeysError);
    expect(error).toMatchObject({ reason: 'ProposalBranchMoved', next: 'stalled' });
    expect((await branchHeads(bare, ['codemonkeys/jenkinsfile'])).get('codemonkeys/jenkinsfile')).toBe(human);
  });

  it('refuses paths that leave the repository or read as options', async () => {
    const { proposal } = await setup();
    for (const path of ['../x', '/etc/passwd', '-x', 'a//b', '']) {
      await expect(proposeFile({ ...proposal, path })).rejects.toMatchObject({ reason: 'InvalidRepoPath' });
    }
  });
});

describe('readFileAt', () => {
  it('reads a file at a commit, and tells a missing file from a failure', async () => {
    const { bare, proposal } = await setup();
    const gitDir = await ensureMirror(bare, proposal.mirrorDir, proposal.base);
    expect(await readFileAt(gitDir, proposal.base, 'README.md')).toBe('# repo\n');
    expect(await readFileAt(gitDir, proposal.base, 'Jenkinsfile')).toBeUndefined();
    await expect(readFileAt(gitDir, 'nope', 'README.md')).rejects.toMatchObject({ reason: 'InvalidCommit' });
  });
});
