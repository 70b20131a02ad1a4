import { describe, expect, it } from 'vitest';
import type { JenkinsEvent, PushEvent } from '../../../src/server/webhooks/events.js';
import { createFleetMatcher, repositoryKey } from '../../../src/server/webhooks/match.js';
import { AFTER, FLEET_REPO, FLEET_ROOT, jenkinsNotification, testFleet } from './payloads.js';

describe('one spelling of a repository address', () => {
  it.each([
    ['https://GitHub.com/Acme/Widget.git', 'github.com/Acme/Widget'],
    ['http://github.com/Acme/Widget', 'github.com/Acme/Widget'],
    ['https://github.com/Acme/Widget/', 'github.com/Acme/Widget'],
    ['https://github.com/Acme/Widget.git/', 'github.com/Acme/Widget'],
    ['https://x-access-token:ghs_abc@github.com/Acme/Widget.git', 'github.com/Acme/Widget'],
    ['git@github.com:Acme/Widget.git', 'github.com/Acme/Widget'],
    ['git@GITHUB.COM:Acme/Widget', 'github.com/Acme/Widget'],
    ['github.com:Acme/Widget.git', 'github.com/Acme/Widget'],
    ['ssh://git@github.com:22/Acme/Widget.git', 'github.com/Acme/Widget'],
    ['ssh://git@GitHub.com/Acme/Widget.git', 'github.com/Acme/Widget'],
    ['git://github.com/Acme/Widget.git', 'github.com/Acme/Widget'],
    ['  https://github.com/Acme/Widget.git  ', 'github.com/Acme/Widget'],
    ['https://github.com/acme/widget', 'github.com/acme/widget'],
    ['https://gitlab.example.com/group/sub/project.git', 'gitlab.example.com/group/sub/project'],
    ['https://gitea.example.com/acme/my%20widget', 'gitea.example.com/acme/my widget'],
    ['/srv/repos/widget', '/srv/repos/widget'],
    ['/srv/repos/widget/', '/srv/repos/widget'],
    ['/srv/repos/widget/.git', '/srv/repos/widget'],
    ['/srv/repos/widget.git', '/srv/repos/widget.git'],
    ['../repos/widget', '/srv/repos/widget'],
    ['./widget', '/srv/fleet/widget'],
    ['widget', '/srv/fleet/widget'],
    ['file:///srv/repos/widget', '/srv/repos/widget'],
    ['file:///srv/repos/widget/', '/srv/repos/widget'],
    ['https://', undefined],
    ['https://github.com/', undefined],
    ['file://elsewhere/srv/repos/widget', undefined],
  ])('%j → %j', (url, key) => {
    expect(repositoryKey(url, FLEET_ROOT)).toBe(key);
  });

  it('keeps the path case: Acme/Widget and acme/widget are two repositories', () => {
    expect(repositoryKey('https://github.com/Acme/Widget', FLEET_ROOT)).not.toBe(
      repositoryKey('https://github.com/acme/widget', FLEET_ROOT),
    );
  });
});

function push(...repositoryUrls: string[]): PushEvent {
  return {
    kind: 'push',
    source: 'github',
    delivery: 'd',
    repositoryUrls,
    ref: 'refs/heads/main',
    after: AFTER,
  };
}

function jenkins(jobPath: string, phase: string): JenkinsEvent {
  const body = jenkinsNotification(jobPath, phase);
  return { kind: 'jenkins', source: 'jenkins', delivery: 'j', job: jobPath, number: 18, phase, body };
}

describe('matching a push to the fleet', () => {
  const matcher = createFleetMatcher({ fleet: testFleet(), root: FLEET_ROOT, fleetRepo: FLEET_REPO });

  it.each([
    [
      'every product of one repository, whichever way each spells it',
      ['https://github.com/Acme/Widget'],
      ['acme/widget', 'acme/widget-site'],
      false,
    ],
    [
      'by any one of the push URLs',
      ['https://example.invalid/x', 'git@gitlab.example.com:acme/gadget.git'],
      ['acme/gadget'],
      false,
    ],
    [
      'an ssh URL on another port than the product URL names',
      ['https://gitea.example.com/acme/gizmo.git'],
      ['acme/gizmo'],
      false,
    ],
    ['a local repository given relative to the fleet root', ['/srv/repos/local/.git'], ['acme/local'], false],
    ['a local repository by file URL', ['file:///srv/repos/local'], ['acme/local'], false],
    ['the fleet repo by its remote', ['https://github.com/Acme/fleet.git'], [], true],
    ['the fleet repo by its directory', ['/srv/fleet/'], [], true],
    ['nothing for another repository', ['https://github.com/Acme/Other.git'], [], false],
    ['nothing for another letter case', ['https://github.com/acme/widget.git'], [], false],
  ])('%s', (_name, urls, products, fleet) => {
    expect(matcher.push(push(...urls))).toEqual({ products, fleet });
  });

  it('without fleet repo addresses no push is to the fleet repo', () => {
    const bare = createFleetMatcher({ fleet: testFleet(), root: FLEET_ROOT });
    expect(bare.push(push('/srv/fleet')).fleet).toBe(false);
  });
});

describe('matching a Jenkins notification to the fleet', () => {
  const matcher = createFleetMatcher({ fleet: testFleet(), root: FLEET_ROOT });

  it("maps a job under the fleet's folder to its product", () => {
    expect(matcher.jenkins(jenkins('job/fleet/job/acme/job/widget/', 'FINALIZED'))).toEqual({
      product: 'acme/widget',
      commit: AFTER,
      phase: 'FINALIZED',
      number: 18,
      status: 'SUCCESS',
    });
  });

  it.each([
    ['a job outside the folder', 'job/other/job/acme/job/widget/'],
    ['a product the fleet does not have', 'job/fleet/job/acme/job/gone/'],
    ['a job at another depth', 'job/fleet/job/widget/'],
  ])('has nothing for %s', (_name, jobPath) => {
    expect(matcher.jenkins(jenkins(jobPath, 'FINALIZED'))).toBeUndefined();
  });
});
