import { Writable } from 'node:stream';
import { fastify } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.js';
import { Redactor } from '../../../src/log/redact.js';
import { WEBHOOK_BODY_LIMIT, type WebhookResult } from '../../../src/server/webhooks/routes.js';
import { WEBHOOK_RECEIVERS } from '../../../src/server/webhooks/sources.js';
import { acted, closeApps, jenkinsDelivery, post, serve, serveOn } from './harness.js';
import {
  giteaHeaders,
  githubHeaders,
  githubPush,
  gitlabHeaders,
  gitlabPush,
  hmacHex,
  jenkinsNotification,
  SECRET,
} from './payloads.js';

afterEach(closeApps);

describe('rejected requests call nothing but onRequest', () => {
  const pushBody = JSON.stringify(githubPush('Acme', 'Widget'));
  const signed = githubHeaders(pushBody, 'push', 'gh-x');
  const gitlabBody = JSON.stringify(gitlabPush('acme', 'gadget'));
  const jenkinsBody = JSON.stringify(jenkinsNotification('job/fleet/job/acme/job/widget/', 'FINALIZED'));
  const json = { 'content-type': 'application/json' };
  const github = (headers: Record<string, string>, body = pushBody) => ({
    url: '/hooks/github',
    body,
    headers,
  });
  const gitea = (headers: Record<string, string>) => ({ url: '/hooks/gitea', body: pushBody, headers });
  const gitlab = (headers: Record<string, string>, body = gitlabBody) => ({
    url: '/hooks/gitlab',
    body,
    headers,
  });
  const jenkins = (query: string, body = jenkinsBody, headers: Record<string, string> = json) => ({
    url: `/hooks/jenkins${query}`,
    body,
    headers,
  });
  const noRepository = '{"ref":"refs/heads/main","after":"a"}';
  const cases: [
    string,
    { url: string; body: string; headers: Record<string, string> },
    number,
    WebhookResult,
  ][] = [
    ['GitHub, unsigned', github({ ...json, 'x-github-event': 'push' }), 401, 'unauthorized'],
    [
      'GitHub, signed with another secret',
      github(githubHeaders(pushBody, 'push', 'x', 'wrong')),
      401,
      'unauthorized',
    ],
    [
      'GitHub, a signature of another body',
      github(signed, pushBody.replace('main', 'evil')),
      401,
      'unauthorized',
    ],
    [
      'GitHub, a signature without sha256=',
      github({ ...signed, 'x-hub-signature-256': hmacHex(SECRET, pushBody) }),
      401,
      'unauthorized',
    ],
    ['Gitea, unsigned', gitea({ ...json, 'x-gitea-event': 'push' }), 401, 'unauthorized'],
    ['Gitea, a wrong signature', gitea(giteaHeaders(pushBody, 'push', 'x', 'wrong')), 401, 'unauthorized'],
    ['GitLab, no token', gitlab({ ...json, 'x-gitlab-event': 'Push Hook' }), 401, 'unauthorized'],
    ['GitLab, a wrong token', gitlab(gitlabHeaders('Push Hook', 'u', 'wrong')), 401, 'unauthorized'],
    [
      'GitLab, a signature instead of the token',
      gitlab(gitlabHeaders('Push Hook', 'u', hmacHex(SECRET, gitlabBody))),
      401,
      'unauthorized',
    ],
    ['Jenkins, no token', jenkins(''), 401, 'unauthorized'],
    ['Jenkins, a wrong query token', jenkins('?token=guess'), 401, 'unauthorized'],
    [
      'Jenkins, a wrong header beside the right query token',
      jenkins(`?token=${SECRET}`, jenkinsBody, { ...json, 'x-codemonkeys-token': 'guess' }),
      401,
      'unauthorized',
    ],
    [
      'GitHub, signed broken JSON',
      github(githubHeaders('{"ref":', 'push', 'x'), '{"ref":'),
      400,
      'malformed',
    ],
    ['GitHub, a signed JSON array', github(githubHeaders('[]', 'push', 'x'), '[]'), 400, 'malformed'],
    ['GitHub, a signed empty body', github(githubHeaders('', 'push', 'x'), ''), 400, 'malformed'],
    [
      'GitHub, a signed push with no repository',
      github(githubHeaders(noRepository, 'push', 'x'), noRepository),
      400,
      'malformed',
    ],
    [
      'GitLab, broken JSON with the right token',
      gitlab(gitlabHeaders('Push Hook', 'u'), '{'),
      400,
      'malformed',
    ],
    [
      'Jenkins, a message that is no notification',
      jenkins(`?token=${SECRET}`, '{"name":"w"}'),
      400,
      'malformed',
    ],
  ];

  const titled = cases.map(([name, request, status, result]) => [name, status, result, request] as const);

  it.each(titled)('%s → %i %s', async (_name, status, result, request) => {
    const { app, calls } = serve();
    const response = await post(app, request.url, request.body, request.headers);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ result });
    expect(acted(calls)).toBe(0);
    expect(calls.requests.map(([, counted]) => counted)).toEqual([result]);
  });

  it('a body over 1 MiB: 413 too-large, even correctly signed', async () => {
    const { app, calls } = serve();
    const padded = JSON.stringify({
      ...githubPush('Acme', 'Widget'),
      padding: 'x'.repeat(WEBHOOK_BODY_LIMIT),
    });
    const response = await post(app, '/hooks/github', padded, githubHeaders(padded, 'push', 'gh-big'));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ result: 'too-large' });
    expect(acted(calls)).toBe(0);
    expect(calls.requests).toEqual([['github', 'too-large']]);
  });

  it('a body of exactly 1 MiB is read', async () => {
    const { app, calls } = serve();
    const payload = JSON.stringify({ ...githubPush('Acme', 'Widget'), padding: '' });
    const padded = payload.replace(
      '"padding":""',
      `"padding":"${'x'.repeat(WEBHOOK_BODY_LIMIT - payload.length)}"`,
    );
    expect(Buffer.byteLength(padded)).toBe(WEBHOOK_BODY_LIMIT);
    const response = await post(app, '/hooks/github', padded, githubHeaders(padded, 'push', 'gh-limit'));
    expect(response.statusCode).toBe(202);
    expect(calls.pushes).toHaveLength(1);
  });

  it.each([...WEBHOOK_RECEIVERS.keys()])(
    'every registered sender refuses an unauthenticated %s delivery',
    async (source) => {
      const { app, calls } = serve();
      const response = await post(app, `/hooks/${source}`, pushBody, { ...json, 'x-github-event': 'push' });
      expect(response.statusCode).toBe(401);
      expect(acted(calls)).toBe(0);
    },
  );

  it.each([...WEBHOOK_RECEIVERS.keys()])(
    'without a secret, /hooks/%s answers 503 disabled',
    async (source) => {
      const { app, calls } = serve({ secret: undefined });
      const response = await post(app, `/hooks/${source}`, pushBody, { ...signed, 'x-gitlab-token': '' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ result: 'disabled' });
      expect(acted(calls)).toBe(0);
      expect(calls.requests).toEqual([[source, 'disabled']]);
    },
  );

  it('an empty secret is no secret: 503, not a hook anyone can sign', async () => {
    const { app, calls } = serve({ secret: '' });
    const response = await post(app, '/hooks/github', pushBody, githubHeaders(pushBody, 'push', 'x', ''));
    expect(response.statusCode).toBe(503);
    expect(acted(calls)).toBe(0);
  });
});

describe('the secret stays secret', () => {
  it('appears in no response and no log line, though sent in a query string or in an error', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const redactor = new Redactor();
    const app = fastify({ loggerInstance: createLogger({ stream, redactor, pretty: false, level: 'info' }) });
    const { calls } = serveOn(app, {
      redactor,
      onPush: () => {
        throw new Error(`queue refused a request signed with ${SECRET}`);
      },
    });
    const gitlabBody = JSON.stringify(gitlabPush('acme', 'gadget'));
    const responses = [
      await jenkinsDelivery(app, 'job/fleet/job/acme/job/widget/', 'FINALIZED', 'query'),
      await post(app, `/hooks/jenkins?token=${SECRET}`, '{', { 'content-type': 'application/json' }),
      await post(app, `/hooks/jenkins?token=${SECRET}x`, '{}', { 'content-type': 'application/json' }),
      await post(app, '/hooks/gitlab', gitlabBody, gitlabHeaders('Push Hook', 'gl-log')),
    ];
    expect(responses.map((response) => response.statusCode)).toEqual([202, 400, 401, 500]);
    expect(calls.builds).toHaveLength(1);
    expect(lines.filter((line) => line.includes('"webhook request"'))).toHaveLength(4);
    expect(lines.find((line) => line.includes('"webhook failed"'))).toContain(
      'queue refused a request signed with [REDACTED]',
    );
    for (const text of [...lines, ...responses.map((response) => response.body)]) {
      expect(text).not.toContain(SECRET);
    }
  });
});
