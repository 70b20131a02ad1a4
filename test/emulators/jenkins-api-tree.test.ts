import { describe, expect, it } from 'vitest';
import { Lazy, type ModelObject, Ref, renderApi } from './jenkins/api-tree.js';

/** A job-like model whose expensive properties count how often they are computed. */
function model(): { root: ModelObject; computed: string[] } {
  const computed: string[] = [];
  const lazy = (name: string, value: () => ModelObject['x']) =>
    new Lazy(() => {
      computed.push(name);
      return value();
    });
  const root: ModelObject = {
    _class: 'hudson.model.FreeStyleProject',
    name: 'widget',
    builds: lazy('builds', () =>
      [1, 2, 3].map(
        (number) => new Ref({ _class: 'Run', number }, () => ({ _class: 'Run', number, result: 'SUCCESS' })),
      ),
    ),
    inQueue: lazy('inQueue', () => false),
  };
  return { root, computed };
}

describe('Jenkins emulator: api/json of lazy properties', () => {
  it('computes a property only when the tree asks for it, as Stapler reads a getter', () => {
    const { root, computed } = model();
    expect(JSON.parse(renderApi(root, new URLSearchParams('tree=name')))).toEqual({
      _class: 'hudson.model.FreeStyleProject',
      name: 'widget',
    });
    expect(computed).toEqual([]);
    expect(JSON.parse(renderApi(root, new URLSearchParams('tree=builds[number,result]{0,2}')))).toEqual({
      _class: 'hudson.model.FreeStyleProject',
      builds: [
        { _class: 'Run', number: 1, result: 'SUCCESS' },
        { _class: 'Run', number: 2, result: 'SUCCESS' },
      ],
    });
    expect(computed).toEqual(['builds']);
  });

  it('renders every lazy property at depth 0, nested objects as their summary', () => {
    const { root, computed } = model();
    expect(JSON.parse(renderApi(root, new URLSearchParams()))).toEqual({
      _class: 'hudson.model.FreeStyleProject',
      name: 'widget',
      builds: [1, 2, 3].map((number) => ({ _class: 'Run', number })),
      inQueue: false,
    });
    expect(computed).toEqual(['builds', 'inQueue']);
  });
});
