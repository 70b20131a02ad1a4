import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderBadge } from '../src/badge.js';

test('renders a label and a status in one SVG', () => {
  const svg = renderBadge('build', 'passing');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, />build<\/text>/);
  assert.match(svg, />passing<\/text>/);
  assert.match(svg, /fill="#2e7d32"/);
});

test('colours an unknown status grey', () => {
  assert.match(renderBadge('deploy', 'paused'), /fill="#757575"/);
});

test('grows with its text', () => {
  const short = Number(/width="(\d+)"/.exec(renderBadge('ci', 'ok'))[1]);
  const long = Number(/width="(\d+)"/.exec(renderBadge('integration', 'passing'))[1]);
  assert.ok(long > short);
});
