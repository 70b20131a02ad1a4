import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeXml, renderBadge } from '../src/badge.js';

test('escapes markup in labels so a service name cannot inject SVG', () => {
  const svg = renderBadge('<script>alert(1)</script>', 'failing');
  assert.doesNotMatch(svg, /<script>/);
  assert.match(svg, /&#60;script&#62;/);
});

test('escapes quotes inside attributes', () => {
  assert.equal(escapeXml(`a"b'c&d`), 'a&#34;b&#39;c&#38;d');
});
