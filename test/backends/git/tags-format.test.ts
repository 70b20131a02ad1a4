import { describe, expect, it } from 'vitest';
import { tagFormatOf, tagOf } from '../../../src/backends/git/tags.js';
import type { Product } from '../../../src/fleet/model.js';

function product(tagFormat: string | undefined): Product {
  return {
    id: 'acme/widget',
    manifest: {
      metadata: { name: 'widget', org: 'acme' },
      spec: { repo: { url: 'x' }, release: { tagFormat } },
    },
  } as unknown as Product;
}

describe('tagFormatOf', () => {
  it.each([
    [undefined, 'v{version}', 'v1.2.3'],
    ['v{version}', 'v{version}', 'v1.2.3'],
    ['{name}@{version}', 'widget@{version}', 'widget@1.2.3'],
    ['{name}/{name}-v{version}', 'widget/widget-v{version}', 'widget/widget-v1.2.3'],
  ])('%s reads as %s and tags 1.2.3 as %s', (format, expected, tag) => {
    expect(tagFormatOf(product(format))).toBe(expected);
    expect(tagOf('1.2.3', tagFormatOf(product(format)))).toBe(tag);
  });
});
