import { describe, expect, it } from 'vitest';
import {
  decodePayload,
  readGiteaEvent,
  readGithubEvent,
  readGitlabEvent,
  readJenkinsEvent,
} from '../../../src/server/webhooks/events.js';
import { AFTER, giteaPush, githubPing, githubPush, gitlabPush, jenkinsNotification } from './payloads.js';

describe('decoding a webhook body', () => {
  it.each([
    ['a JSON object', '{"a":1}', 'application/json', { a: 1 }],
    ['a JSON object with a charset', '{"a":1}', 'application/json; charset=utf-8', { a: 1 }],
    ['a JSON object with no content type', '{"a":1}', undefined, { a: 1 }],
    [
      'a form with the JSON in payload',
      `payload=${encodeURIComponent('{"a":1}')}`,
      'application/x-www-form-urlencoded',
      { a: 1 },
    ],
    ['a form without payload', 'other=1', 'application/x-www-form-urlencoded', undefined],
    ['a JSON array', '[1,2]', 'application/json', undefined],
    ['JSON null', 'null', 'application/json', undefined],
    ['broken JSON', '{"a":', 'application/json', undefined],
    ['an empty body', '', 'application/json', undefined],
  ])('%s', (_name, body, contentType, expected) => {
    expect(decodePayload(Buffer.from(body), contentType)).toEqual(expected);
  });
});

describe('reading GitHub deliveries', () => {
  const headers = (event: string) => ({ 'x-github-event': event, 'x-github-delivery': 'd-1' });

  it('a push names its repository by clone_url, ssh_url, html_url and git_url, not the API url', () => {
    expect(readGithubEvent(headers('push'), githubPush('Acme', 'Widget'))).toEqual({
      kind: 'push',
      source: 'github',
      delivery: 'd-1',
      repositoryUrls: [
        'https://github.com/Acme/Widget.git',
        'git@github.com:Acme/Widget.git',
        'https://github.com/Acme/Widget',
        'git://github.com/Acme/Widget.git',
      ],
      ref: 'refs/heads/main',
      after: AFTER,
    });
  });

  it.each(['ping', 'issues', ''])('ignores the %j event', (event) => {
    expect(readGithubEvent(headers(event), githubPing())).toMatchObject({ kind: 'ignored', event });
  });

  it('a push without a repository is no push', () => {
    const { repository: _repository, ...payload } = githubPush('Acme', 'Widget');
    expect(readGithubEvent(headers('push'), payload)).toBeUndefined();
  });

  it('a push without after is no push', () => {
    expect(readGithubEvent(headers('push'), { ...githubPush('Acme', 'Widget'), after: 7 })).toBeUndefined();
  });
});

describe('reading Gitea deliveries', () => {
  it('a push, with X-Gitea-Delivery as its delivery id', () => {
    const event = readGiteaEvent(
      { 'x-gitea-event': 'push', 'x-gitea-delivery': 'g-1' },
      giteaPush('acme', 'gizmo'),
    );
    expect(event).toMatchObject({
      kind: 'push',
      source: 'gitea',
      delivery: 'g-1',
      ref: 'refs/heads/develop',
      repositoryUrls: [
        'https://gitea.example.com/acme/gizmo.git',
        'git@gitea.example.com:acme/gizmo.git',
        'https://gitea.example.com/acme/gizmo',
      ],
    });
  });

  it('ignores other events', () => {
    expect(readGiteaEvent({ 'x-gitea-event': 'issues' }, {})).toMatchObject({
      kind: 'ignored',
      event: 'issues',
    });
  });
});

describe('reading GitLab deliveries', () => {
  const headers = (event: string) => ({ 'x-gitlab-event': event, 'x-gitlab-event-uuid': 'u-1' });

  it('a Push Hook names its repository by project and repository URLs, each once', () => {
    expect(readGitlabEvent(headers('Push Hook'), gitlabPush('acme', 'gadget'))).toEqual({
      kind: 'push',
      source: 'gitlab',
      delivery: 'u-1',
      repositoryUrls: [
        'https://gitlab.example.com/acme/gadget.git',
        'git@gitlab.example.com:acme/gadget.git',
        'https://gitlab.example.com/acme/gadget',
      ],
      ref: 'refs/heads/main',
      after: AFTER,
    });
  });

  it('a Tag Push Hook is a push of its tag', () => {
    const event = readGitlabEvent(headers('Tag Push Hook'), gitlabPush('acme', 'gadget', 'refs/tags/v1.2.0'));
    expect(event).toMatchObject({ kind: 'push', ref: 'refs/tags/v1.2.0' });
  });

  it.each(['Merge Request Hook', 'Pipeline Hook', 'System Hook'])('ignores %s', (event) => {
    expect(readGitlabEvent(headers(event), gitlabPush('acme', 'gadget'))).toMatchObject({
      kind: 'ignored',
      event,
    });
  });
});

describe('reading Jenkins notifications', () => {
  it('names the job and derives a delivery id from its path, the build number and the phase', () => {
    const body = jenkinsNotification('job/fleet/job/acme/job/widget/', 'FINALIZED', 18);
    expect(readJenkinsEvent({}, body)).toEqual({
      kind: 'jenkins',
      source: 'jenkins',
      delivery: 'job/fleet/job/acme/job/widget/#18:FINALIZED',
      job: 'job/fleet/job/acme/job/widget/',
      number: 18,
      phase: 'FINALIZED',
      body,
    });
  });

  it('the same build in two folders has two delivery ids', () => {
    const one = readJenkinsEvent({}, jenkinsNotification('job/a/job/acme/job/widget/', 'FINALIZED'));
    const other = readJenkinsEvent({}, jenkinsNotification('job/b/job/acme/job/widget/', 'FINALIZED'));
    expect(one?.delivery).not.toBe(other?.delivery);
  });

  it.each([
    ['no build', { name: 'widget', url: 'job/widget/' }],
    ['no url', { name: 'widget', build: { number: 1, phase: 'FINALIZED' } }],
    [
      'a build number that is not a number',
      { url: 'job/widget/', build: { number: '1', phase: 'FINALIZED' } },
    ],
    ['no phase', { url: 'job/widget/', build: { number: 1 } }],
  ])('a message with %s is not a notification', (_name, body) => {
    expect(readJenkinsEvent({}, body)).toBeUndefined();
  });
});
