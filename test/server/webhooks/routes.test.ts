import { afterEach, describe, expect, it } from 'vitest';
import { acted, closeApps, githubDelivery, jenkinsDelivery, post, serve } from './harness.js';
import {
  AFTER,
  giteaHeaders,
  giteaPush,
  githubHeaders,
  githubPing,
  githubPush,
  gitlabHeaders,
  gitlabPush,
} from './payloads.js';

afterEach(closeApps);

describe('accepted pushes', () => {
  it('a signed GitHub push queues every product of that repository, whichever way each spells it', async () => {
    const { app, calls } = serve();
    const response = await githubDelivery(app, githubPush('Acme', 'Widget'), 'gh-1');
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      result: 'accepted',
      delivery: 'gh-1',
      queued: { products: ['acme/widget', 'acme/widget-site'], fleet: false },
    });
    expect(calls.pushes).toEqual([
      [
        ['acme/widget', 'acme/widget-site'],
        expect.objectContaining({ ref: 'refs/heads/main', after: AFTER }),
      ],
    ]);
    expect(calls.fleetPushes).toEqual([]);
    expect(calls.requests).toEqual([['github', 'accepted']]);
  });

  it('a GitHub push sent as a form is signed over the raw form body', async () => {
    const { app, calls } = serve();
    const body = `payload=${encodeURIComponent(JSON.stringify(githubPush('Acme', 'Widget')))}`;
    const headers = {
      ...githubHeaders(body, 'push', 'gh-form'),
      'content-type': 'application/x-www-form-urlencoded',
    };
    const response = await post(app, '/hooks/github', body, headers);
    expect(response.statusCode).toBe(202);
    expect(calls.pushes.map(([products]) => products)).toEqual([['acme/widget', 'acme/widget-site']]);
  });

  it('a signed Gitea push queues the product whose ssh URL names the same repository', async () => {
    const { app, calls } = serve();
    const body = JSON.stringify(giteaPush('acme', 'gizmo'));
    const response = await post(app, '/hooks/gitea', body, giteaHeaders(body, 'push', 'gt-1'));
    expect(response.statusCode).toBe(202);
    expect(calls.pushes.map(([products, event]) => [products, event.source, event.ref])).toEqual([
      [['acme/gizmo'], 'gitea', 'refs/heads/develop'],
    ]);
  });

  it.each([
    ['Push Hook', 'refs/heads/main'],
    ['Tag Push Hook', 'refs/tags/v1.2.0'],
  ])('a GitLab %s with the right token queues its product', async (event, ref) => {
    const { app, calls } = serve();
    const body = JSON.stringify(gitlabPush('acme', 'gadget', ref));
    const response = await post(app, '/hooks/gitlab', body, gitlabHeaders(event, `gl-${event}`));
    expect(response.statusCode).toBe(202);
    expect(calls.pushes.map(([products, pushed]) => [products, pushed.ref])).toEqual([
      [['acme/gadget'], ref],
    ]);
  });

  it('a push to the fleet repo reloads the fleet and queues no product', async () => {
    const { app, calls } = serve();
    const response = await githubDelivery(app, githubPush('Acme', 'fleet'), 'gh-fleet');
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ result: 'accepted', queued: { products: [], fleet: true } });
    expect(calls.fleetPushes).toHaveLength(1);
    expect(calls.pushes).toEqual([]);
  });
});

describe('authenticated deliveries that ask for nothing', () => {
  it('a push to a repository no product has: 202 unmatched, nothing done', async () => {
    const { app, calls } = serve();
    const response = await githubDelivery(app, githubPush('Acme', 'Unknown'));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ result: 'unmatched' });
    expect(acted(calls)).toBe(0);
    expect(calls.requests).toEqual([['github', 'unmatched']]);
  });

  it("GitHub's ping: 202 ignored, nothing done", async () => {
    const { app, calls } = serve();
    const response = await githubDelivery(app, githubPing(), 'gh-ping', 'ping');
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ result: 'ignored', event: 'ping' });
    expect(acted(calls)).toBe(0);
  });
});

describe('redeliveries', () => {
  it('a delivery id seen before: 200 duplicate, and the push is queued once', async () => {
    const { app, calls } = serve();
    const first = await githubDelivery(app, githubPush('Acme', 'Widget'), 'gh-again');
    const second = await githubDelivery(app, githubPush('Acme', 'Widget'), 'gh-again');
    expect([first.statusCode, second.statusCode]).toEqual([202, 200]);
    expect(second.json()).toEqual({ result: 'duplicate', delivery: 'gh-again' });
    expect(calls.pushes).toHaveLength(1);
    expect(calls.requests).toEqual([
      ['github', 'accepted'],
      ['github', 'duplicate'],
    ]);
  });

  it('the same delivery id from two senders is two deliveries', async () => {
    const { app, calls } = serve();
    await githubDelivery(app, githubPush('Acme', 'Widget'), 'same-id');
    const body = JSON.stringify(giteaPush('acme', 'gizmo'));
    const response = await post(app, '/hooks/gitea', body, giteaHeaders(body, 'push', 'same-id'));
    expect(response.statusCode).toBe(202);
    expect(calls.pushes).toHaveLength(2);
  });

  it('a delivery whose handling failed answers 500 and is acted on when redelivered', async () => {
    let failures = 1;
    const pushed: string[][] = [];
    const { app, calls } = serve({
      onPush: (products) => {
        if (failures-- > 0) throw new Error('queue closed');
        pushed.push(products);
      },
    });
    const first = await githubDelivery(app, githubPush('Acme', 'Widget'), 'gh-retry');
    const second = await githubDelivery(app, githubPush('Acme', 'Widget'), 'gh-retry');
    expect([first.statusCode, second.statusCode]).toEqual([500, 202]);
    expect(first.json()).toEqual({ result: 'failed', message: 'the delivery could not be handled' });
    expect(pushed).toEqual([['acme/widget', 'acme/widget-site']]);
    expect(calls.requests.map(([, result]) => result)).toEqual(['failed', 'accepted']);
  });
});

describe('Jenkins notifications', () => {
  it.each(['query', 'header'] as const)(
    'a FINALIZED build with the token in the %s queues its product',
    async (auth) => {
      const { app, calls } = serve();
      const response = await jenkinsDelivery(app, 'job/fleet/job/acme/job/widget/', 'FINALIZED', auth);
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({
        result: 'accepted',
        delivery: 'job/fleet/job/acme/job/widget/#18:FINALIZED',
        queued: { products: ['acme/widget'], fleet: false },
      });
      expect(calls.builds).toEqual([
        expect.objectContaining({ product: 'acme/widget', phase: 'FINALIZED', number: 18 }),
      ]);
    },
  );

  it.each(['QUEUED', 'STARTED', 'COMPLETED'])('a build %s: 202 ignored, nothing done', async (phase) => {
    const { app, calls } = serve();
    const response = await jenkinsDelivery(app, 'job/fleet/job/acme/job/widget/', phase, 'query');
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ result: 'ignored', phase });
    expect(acted(calls)).toBe(0);
  });

  it("a job outside the fleet's folder: 202 unmatched, nothing done", async () => {
    const { app, calls } = serve();
    const response = await jenkinsDelivery(app, 'job/other/job/acme/job/widget/', 'FINALIZED', 'query');
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ result: 'unmatched' });
    expect(acted(calls)).toBe(0);
  });

  it('a notification the plugin retries is acted on once', async () => {
    const { app, calls } = serve();
    await jenkinsDelivery(app, 'job/fleet/job/acme/job/widget/', 'FINALIZED', 'query');
    const again = await jenkinsDelivery(app, 'job/fleet/job/acme/job/widget/', 'FINALIZED', 'header');
    expect(again.statusCode).toBe(200);
    expect(calls.builds).toHaveLength(1);
  });
});
