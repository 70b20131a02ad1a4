import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Blocker, GatedAction } from '../../src/actions/action.js';
import { createLogger } from '../../src/log/logger.js';
import { REDACTED, Redactor } from '../../src/log/redact.js';
import {
  eventsToSend,
  Notifier,
  type NotifierOptions,
  type NotifyEndpoint,
  type OutgoingEvent,
  type ReconcileView,
  resolveNotifyEndpoints,
  signBody,
} from '../../src/server/notify/index.js';
import type { Condition } from '../../src/store/store.js';
import { TEST_NOW } from '../helpers/clock.js';

const SECRET = 'notify-secret-5f2c9a';

/** How long a test waits for a request to reach its receiver: generous, for a busy machine. */
const WAIT = { timeout: 10_000 };

/** What a receiver answers its n-th request with: a status, or nothing until released. */
type Answer = number | 'hang';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real HTTP endpoint on loopback that records every request and answers as scripted. */
async function receiver(answer: (index: number) => Answer = () => 200) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = answer(received.length - 1);
      if (reply === 'hang') hanging.push(response);
      else response.writeHead(reply, reply === 429 ? { 'Retry-After': '3' } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${port}/hooks/codemonkeys`,
    received,
    release: () => {
      for (const response of hanging.splice(0)) response.writeHead(200).end();
    },
  };
}

/** A loopback URL where nothing listens any more: connections are refused. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/hooks/codemonkeys`;
}

/** Timers that fire on the next turn of the event loop and remember the delays asked for. */
function promptTimers() {
  const delays: number[] = [];
  return {
    delays,
    timers: {
      setTimeout: (run: () => void, ms: number) => {
        delays.push(ms);
        return setImmediate(run);
      },
      clearTimeout: (handle: unknown) => clearImmediate(handle as NodeJS.Immediate),
    },
  };
}

function notifier(endpoints: NotifyEndpoint[], options: Partial<NotifierOptions> = {}) {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const redactor = new Redactor();
  for (const { secret } of endpoints) redactor.register(secret);
  const logger = createLogger({ level: 'warn', pretty: false, stream, redactor });
  const { delays, timers } = promptTimers();
  let ids = 0;
  const instance = new Notifier({
    endpoints,
    logger,
    timers,
    random: () => 0.5,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    redactor,
    ...options,
  });
  cleanups.push(() => instance.close(0));
  const warnings = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { notifier: instance, delays, warnings, log: () => lines.join('\n'), redactor };
}

function event(overrides: Partial<OutgoingEvent> = {}): OutgoingEvent {
  return {
    type: 'stalled',
    product: 'acme/widget',
    reason: 'RetriesExhausted',
    message: 'build.run failed 5 times',
    actions: [],
    at: TEST_NOW.toISOString(),
    ...overrides,
  };
}

/** A receiver's check, as GitHub documents it: HMAC-SHA256 of the raw body, compared in constant time. */
function verified(received: Received, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(received.body).digest('hex')}`);
  const given = Buffer.from(String(received.headers['x-hub-signature-256']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('signing', () => {
  it('signs as GitHub does: the example from GitHub’s "Validating webhook deliveries"', () => {
    expect(signBody('Hello, World!', "It's a Secret to Everybody")).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });
});

describe('the notifier', () => {
  it('POSTs the event as JSON with headers a receiver verifies with the shared secret', async () => {
    const endpoint = await receiver();
    const { notifier: sender } = notifier([{ url: endpoint.url, secret: SECRET }]);
    sender.send(event());
    await sender.drain();
    expect(endpoint.received).toHaveLength(1);
    const [request] = endpoint.received as [Received];
    expect(verified(request, SECRET)).toBe(true);
    expect(verified(request, 'another-secret')).toBe(false);
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'codemonkeys',
      'x-codemonkeys-event': 'stalled',
      'x-codemonkeys-delivery': '00000000-0000-4000-8000-000000000001',
    });
    expect(JSON.parse(request.body)).toEqual(event());
    expect(request.body).not.toContain(SECRET);
  });

  it('retries a 500 with exponential backoff, sending the same delivery id each time', async () => {
    const endpoint = await receiver((index) => (index < 2 ? 500 : 200));
    const { notifier: sender, delays, warnings } = notifier([{ url: endpoint.url, secret: SECRET }]);
    sender.send(event());
    await sender.drain();
    expect(endpoint.received).toHaveLength(3);
    const ids = new Set(endpoint.received.map((request) => request.headers['x-codemonkeys-delivery']));
    expect(ids.size).toBe(1);
    expect(endpoint.received.every((request) => verified(request, SECRET))).toBe(true);
    // random() = 0.5 is the middle of the ±20 % jitter: the bare exponential delays.
    expect(delays).toEqual([1_000, 2_000]);
    expect(warnings()).toEqual([]);
  });

  it('spreads retries with jitter within ±20 % of the exponential delay', async () => {
    const endpoint = await receiver((index) => (index < 3 ? 503 : 200));
    const { notifier: sender, delays } = notifier([{ url: endpoint.url, secret: SECRET }], {
      random: () => 0,
      baseDelayMs: 500,
    });
    sender.send(event());
    await sender.drain();
    expect(delays).toEqual([400, 800, 1_600]);
  });

  it('waits as long as a 429’s Retry-After asks, within the maximum delay', async () => {
    const endpoint = await receiver((index) => (index === 0 ? 429 : 200));
    const { notifier: sender, delays } = notifier([{ url: endpoint.url, secret: SECRET }]);
    sender.send(event());
    await sender.drain();
    expect(endpoint.received).toHaveLength(2);
    expect(delays).toEqual([3_000]);
  });

  it('does not retry a 400, and says so in a warning without the URL’s path', async () => {
    const endpoint = await receiver(() => 400);
    const { notifier: sender, warnings, log } = notifier([{ url: endpoint.url, secret: SECRET }]);
    sender.send(event());
    await sender.drain();
    expect(endpoint.received).toHaveLength(1);
    expect(warnings()).toMatchObject([
      { msg: 'notification refused by the endpoint', why: 'HTTP 400', event: 'stalled', attempts: 1 },
    ]);
    expect(log()).not.toContain('/hooks/codemonkeys');
  });

  it('drops a delivery after the last of its tries, with a warning', async () => {
    const endpoint = await receiver(() => 502);
    const { notifier: sender, warnings } = notifier([{ url: endpoint.url, secret: SECRET }], {
      maxAttempts: 3,
    });
    sender.send(event());
    await sender.drain();
    expect(endpoint.received).toHaveLength(3);
    expect(warnings()).toMatchObject([
      { msg: 'notification dropped after retries', attempts: 3, why: 'HTTP 502' },
    ]);
  });

  it('retries when nothing listens, and logs the error code, never the secret', async () => {
    const url = await closedPort();
    const { notifier: sender, warnings, log } = notifier([{ url, secret: SECRET }], { maxAttempts: 2 });
    sender.send(event({ message: `token ${SECRET} leaked into a message` }));
    await sender.drain();
    expect(warnings()).toMatchObject([
      { msg: 'notification dropped after retries', attempts: 2, why: 'ECONNREFUSED' },
    ]);
    expect(log()).not.toContain(SECRET);
  });

  it('redacts registered secrets from the body it sends', async () => {
    const endpoint = await receiver();
    const { notifier: sender, redactor } = notifier([{ url: endpoint.url, secret: SECRET }]);
    redactor.register('db-password-77');
    sender.send(event({ message: 'connect with db-password-77 failed' }));
    await sender.drain();
    expect(JSON.parse(endpoint.received[0]?.body ?? '{}').message).toBe(`connect with ${REDACTED} failed`);
  });

  it('returns from send at once while an endpoint hangs, and delivers to the others meanwhile', async () => {
    const stuck = await receiver(() => 'hang');
    const healthy = await receiver();
    const { notifier: sender, warnings } = notifier([
      { url: stuck.url, secret: SECRET },
      { url: healthy.url, secret: SECRET },
    ]);
    expect(sender.send(event())).toBeUndefined();
    expect(stuck.received).toHaveLength(0);
    await vi.waitFor(() => expect(stuck.received).toHaveLength(1), WAIT);
    await vi.waitFor(() => expect(healthy.received).toHaveLength(1), WAIT);
    // Closing gives up on the hanging request after its grace time (here: the next turn).
    await sender.close(10);
    expect(stuck.received).toHaveLength(1);
    expect(warnings()).toMatchObject([{ msg: 'notification dropped at shutdown', attempts: 1 }]);
  });

  it('gives up on a try that takes longer than timeoutMs, and retries it', async () => {
    const stuck = await receiver(() => 'hang');
    const { notifier: sender, warnings } = notifier([{ url: stuck.url, secret: SECRET }], {
      timeoutMs: 20,
      maxAttempts: 2,
    });
    sender.send(event());
    await sender.drain();
    // Not how many requests arrived: on a busy machine a try can time out before its body is read.
    expect(warnings()).toMatchObject([
      { msg: 'notification dropped after retries', attempts: 2, why: 'timeout' },
    ]);
  });

  it('never throws from send, even for a URL fetch cannot use', async () => {
    const { notifier: sender, warnings } = notifier([{ url: 'not a url', secret: SECRET }], {
      maxAttempts: 1,
    });
    expect(() => sender.send(event())).not.toThrow();
    await sender.drain();
    expect(warnings()).toMatchObject([
      { msg: 'notification dropped after retries', endpoint: 'invalid-url' },
    ]);
  });

  it('keeps at most queueLimit deliveries waiting per endpoint, dropping the oldest with a warning', async () => {
    let hold = true;
    const endpoint = await receiver(() => (hold ? 'hang' : 200));
    const { notifier: sender, warnings } = notifier([{ url: endpoint.url, secret: SECRET }], {
      queueLimit: 2,
    });
    for (const n of [1, 2, 3, 4, 5]) sender.send(event({ message: `event ${n}` }));
    await vi.waitFor(() => expect(endpoint.received).toHaveLength(1), WAIT);
    hold = false;
    endpoint.release();
    await sender.drain();
    const messages = endpoint.received.map((request) => JSON.parse(request.body).message);
    expect(messages).toEqual(['event 1', 'event 4', 'event 5']);
    expect(warnings()).toMatchObject([
      { msg: 'notification queue full: oldest dropped', limit: 2 },
      { msg: 'notification queue full: oldest dropped', limit: 2 },
    ]);
  });

  it('sends each endpoint only the events it asked for (all when it names none)', async () => {
    const deniedOnly = await receiver();
    const everything = await receiver();
    const { notifier: sender } = notifier([
      { url: deniedOnly.url, secret: SECRET, events: ['denied'] },
      { url: everything.url, secret: 'other-secret-91', events: undefined },
    ]);
    sender.send(event({ type: 'stalled' }));
    sender.send(event({ type: 'denied', reason: 'Denied', actions: ['a1'] }));
    sender.send(event({ type: 'released', reason: 'Released', version: '1.4.0' }));
    await sender.drain();
    const types = (of: Received[]) => of.map((request) => request.headers['x-codemonkeys-event']);
    expect(types(deniedOnly.received)).toEqual(['denied']);
    expect(types(everything.received)).toEqual(['stalled', 'denied', 'released']);
    expect(everything.received.every((request) => verified(request, 'other-secret-91'))).toBe(true);
  });

  it('drops events sent after close, with a warning', async () => {
    const endpoint = await receiver();
    const { notifier: sender, warnings } = notifier([{ url: endpoint.url, secret: SECRET }]);
    await sender.close();
    sender.send(event());
    await sender.drain();
    expect(endpoint.received).toHaveLength(0);
    expect(warnings()).toMatchObject([{ msg: 'notification after close dropped' }]);
  });
});

describe('resolveNotifyEndpoints', () => {
  it('resolves each secret reference and registers the value with the redactor', async () => {
    const redactor = new Redactor();
    const endpoints = await resolveNotifyEndpoints(
      {
        notify: [
          { url: 'https://hooks.example.com/x', secret: { env: 'NOTIFY_SECRET' }, events: ['stalled'] },
        ],
      },
      { env: { NOTIFY_SECRET: SECRET }, baseDir: '/nonexistent', redactor },
    );
    expect(endpoints).toEqual([{ url: 'https://hooks.example.com/x', secret: SECRET, events: ['stalled'] }]);
    expect(redactor.redactText(`x ${SECRET}`)).toBe(`x ${REDACTED}`);
  });
});

function stalled(status: Condition['status'], reason = 'RetriesExhausted'): Condition {
  return {
    type: 'Stalled',
    status,
    reason,
    message: status === 'True' ? 'build.run failed 5 times' : '',
    lastTransitionTime: TEST_START_ISO,
    observedRevision: null,
  };
}

const TEST_START_ISO = TEST_NOW.toISOString();

function action(id: string, ...blockedBy: Blocker[]): GatedAction {
  return { id, blockedBy } as unknown as GatedAction;
}

const deny: Blocker = {
  type: 'denied',
  rules: ['no-weekend-prod-deploys'],
  message: 'Production is frozen.',
};
const approval: Blocker = { type: 'awaiting-approval', rules: ['prod-needs-approval'], approvers: ['@ops'] };

function view(conditions: Condition[], actions: GatedAction[] = []): ReconcileView {
  return { product: 'acme/widget', conditions, actions };
}

describe('eventsToSend', () => {
  const cases: {
    name: string;
    previous: ReconcileView | undefined;
    next: ReconcileView;
    expected: string[];
  }[] = [
    {
      name: 'Stalled turned True: stalled',
      previous: view([stalled('False', 'None')]),
      next: view([stalled('True')]),
      expected: ['stalled:RetriesExhausted'],
    },
    {
      name: 'still Stalled: nothing',
      previous: view([stalled('True')]),
      next: view([stalled('True')]),
      expected: [],
    },
    {
      name: 'Stalled with no previous reconcile known: stalled',
      previous: undefined,
      next: view([stalled('True')]),
      expected: ['stalled:RetriesExhausted'],
    },
    {
      name: 'Stalled turned False: nothing',
      previous: view([stalled('True')]),
      next: view([stalled('False', 'None')]),
      expected: [],
    },
    {
      name: 'Stalled again after recovering: stalled',
      previous: view([stalled('False', 'None')]),
      next: view([stalled('True', 'BuildFailing')]),
      expected: ['stalled:BuildFailing'],
    },
    {
      name: 'no conditions (an orphan): nothing',
      previous: view([stalled('True')]),
      next: view([]),
      expected: [],
    },
    {
      name: 'an action newly denied: denied, once per action',
      previous: view([], [action('a1')]),
      next: view([], [action('a1', deny), action('a2', deny), action('a3')]),
      expected: ['denied:a1', 'denied:a2'],
    },
    {
      name: 'an action still denied: nothing',
      previous: view([], [action('a1', deny)]),
      next: view([], [action('a1', deny), action('a2', approval)]),
      expected: [],
    },
    {
      name: 'denied after awaiting approval: denied',
      previous: view([], [action('a1', approval)]),
      next: view([], [action('a1', approval, deny)]),
      expected: ['denied:a1'],
    },
    {
      name: 'stalled and denied at once: both',
      previous: view([stalled('False', 'None')]),
      next: view([stalled('True')], [action('a9', deny)]),
      expected: ['stalled:RetriesExhausted', 'denied:a9'],
    },
  ];

  it.each(cases)('$name', ({ previous, next, expected }) => {
    const events = eventsToSend(previous, next, TEST_NOW);
    expect(
      events.map((found) => `${found.type}:${found.type === 'denied' ? found.actions[0] : found.reason}`),
    ).toEqual(expected);
    for (const found of events) expect(found).toMatchObject({ product: 'acme/widget', at: TEST_START_ISO });
  });

  it('a denied event names the action, the rules and the constitution’s message', () => {
    const [found] = eventsToSend(undefined, view([], [action('a1', deny)]), TEST_NOW);
    expect(found).toEqual({
      type: 'denied',
      product: 'acme/widget',
      reason: 'Denied',
      message: 'Production is frozen.',
      actions: ['a1'],
      rules: ['no-weekend-prod-deploys'],
      at: TEST_START_ISO,
    });
  });

  it('a release the reconcile cut is announced with its version, tag and notes; one found tagged already is not', () => {
    const cut = {
      id: 'c1',
      kind: 'release.cut',
      blockedBy: [],
      params: { version: '1.3.0', tag: 'v1.3.0', notes: '## 1.3.0 (2026-11-26)\n' },
    } as unknown as GatedAction;
    const ran = (detail?: string) => ({
      ...view([], [cut]),
      executed: [
        {
          actionId: 'c1',
          product: 'acme/widget',
          kind: 'release.cut',
          outcome: 'succeeded' as const,
          ...(detail ? { detail } : {}),
        },
      ],
    });
    expect(eventsToSend(undefined, ran(), TEST_NOW)).toEqual([
      {
        type: 'released',
        product: 'acme/widget',
        reason: 'Released',
        message: 'acme/widget 1.3.0 is released (tag v1.3.0)',
        actions: ['c1'],
        version: '1.3.0',
        tag: 'v1.3.0',
        notes: '## 1.3.0 (2026-11-26)\n',
        at: TEST_START_ISO,
      },
    ]);
    expect(eventsToSend(undefined, ran('already done (same idempotency key)'), TEST_NOW)).toEqual([]);
  });
});
