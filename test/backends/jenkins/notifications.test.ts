import { describe, expect, it } from 'vitest';
import { isFinal, parseJenkinsNotification } from '../../../src/backends/jenkins/notifications.js';

const body = (url: string, build: Record<string, unknown>) => ({
  name: 'widget',
  url,
  build: { number: 3, ...build },
});

describe('parsing Jenkins notifications', () => {
  it.each([
    [
      'a finalized build of a product job',
      body('job/fleet/job/acme/job/widget/', {
        phase: 'FINALIZED',
        status: 'SUCCESS',
        parameters: { COMMIT: 'abc' },
      }),
      'fleet',
      { product: 'acme/widget', commit: 'abc', phase: 'FINALIZED', status: 'SUCCESS', number: 3 },
    ],
    [
      'the commit from scm when there is no parameter',
      body('job/acme/job/widget/', { phase: 'STARTED', scm: { commit: 'def' } }),
      undefined,
      { product: 'acme/widget', commit: 'def', phase: 'STARTED', status: undefined, number: 3 },
    ],
    [
      'a job outside the fleet folder',
      body('job/other/job/acme/job/widget/', { phase: 'FINALIZED' }),
      'fleet',
      undefined,
    ],
    ['a job at another depth', body('job/fleet/job/widget/', { phase: 'FINALIZED' }), 'fleet', undefined],
    ['an unknown phase', body('job/acme/job/widget/', { phase: 'DELETED' }), undefined, undefined],
    ['a body that is not a notification', { hello: 'world' }, undefined, undefined],
  ])('reads %s', (_name, input, folder, expected) => {
    expect(parseJenkinsNotification(input, folder)).toEqual(expected);
  });

  it('acts only on FINALIZED, after which the build and its log are complete', () => {
    const parsed = (phase: string) => parseJenkinsNotification(body('job/acme/job/widget/', { phase }));
    expect(
      ['QUEUED', 'STARTED', 'COMPLETED', 'FINALIZED'].map((phase) => isFinal(parsed(phase) as never)),
    ).toEqual([false, false, false, true]);
  });
});
