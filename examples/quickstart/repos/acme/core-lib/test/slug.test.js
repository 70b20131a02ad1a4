import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slugify } from '../src/slug.js';

test('turns words and punctuation into a lowercase slug', () => {
  assert.equal(slugify('Widget Status Page!'), 'widget-status-page');
  assert.equal(slugify('  core_lib  v2 '), 'core-lib-v2');
});

test('drops accents instead of the letters that carry them', () => {
  assert.equal(slugify('Café Zürich'), 'cafe-zurich');
});

test('keeps slugs within 63 characters without a trailing dash', () => {
  const slug = slugify(`${'a'.repeat(62)} b`);
  assert.equal(slug, 'a'.repeat(62));
  assert.ok(slugify('x'.repeat(100)).length <= 63);
});
