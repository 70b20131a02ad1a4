import { describe, expect, it } from 'vitest';
import { FACETS } from '../../src/facets/index.js';
import { type Service, type ServiceContext, Services } from '../../src/facets/services.js';

describe('services', () => {
  it('are opened once each, however many facets declare them, and read back by their declaration', async () => {
    let opened = 0;
    const counter: Service<{ n: number }> = { name: 'counter', open: () => ({ n: ++opened }) };
    const services = await Services.open([counter, counter], {} as ServiceContext);
    expect(opened).toBe(1);
    expect(services.get(counter)).toEqual({ n: 1 });
  });

  it("name the facet's omission when one is read that was never declared", () => {
    const missing: Service<number> = { name: 'registry', open: () => 1 };
    expect(() => new Services().get(missing)).toThrow(
      /service registry was not opened: the facet using it must list it/,
    );
  });

  it('are declared by every registered facet that reaches the world (repo access, ci, ansible, tofu)', () => {
    const names = Object.fromEntries(
      [...FACETS].map(([name, facet]) => [name, facet.services.map((s) => s.name)]),
    );
    expect(names).toEqual({
      build: ['repo-access', 'ci'],
      release: ['repo-access', 'ci', 'ansible'],
      infra: ['repo-access', 'tofu'],
      deploy: ['repo-access', 'ansible'],
    });
  });
});
