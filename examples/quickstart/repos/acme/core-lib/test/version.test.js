import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bumpVersion, compareVersions, parseVersion } from '../src/version.js';

test('parses a release, a pre-release and a leading v', () => {
  assert.deepEqual(parseVersion('1.4.0'), { major: 1, minor: 4, patch: 0, prerelease: [] });
  assert.deepEqual(parseVersion('v2.0.0-rc.1'), { major: 2, minor: 0, patch: 0, prerelease: ['rc', '1'] });
  assert.equal(parseVersion('1.0.0+build.5').patch, 0);
});

test('refuses what is not a semantic version', () => {
  for (const bad of ['1.4', '01.2.3', 'latest', '', '1.2.3.4']) {
    assert.throws(() => parseVersion(bad), TypeError, bad);
  }
});

test('orders versions numerically, pre-releases before their release', () => {
  const sorted = ['1.10.0', '1.2.0', '1.2.0-rc.2', '1.2.0-rc.10', '0.9.9', '1.2.0-beta'].sort(compareVersions);
  assert.deepEqual(sorted, ['0.9.9', '1.2.0-beta', '1.2.0-rc.2', '1.2.0-rc.10', '1.2.0', '1.10.0']);
  assert.equal(compareVersions('v1.0.0', '1.0.0'), 0);
});

test('bumps major, minor and patch, dropping any pre-release', () => {
  assert.equal(bumpVersion('1.4.2', 'major'), '2.0.0');
  assert.equal(bumpVersion('1.4.2', 'minor'), '1.5.0');
  assert.equal(bumpVersion('1.4.2-rc.1', 'patch'), '1.4.3');
  assert.throws(() => bumpVersion('1.4.2', 'huge'), TypeError);
});
