import { describe, expect, it } from 'vitest';
import { formatBuildSpec, parseBuildSpec } from '../../../src/backends/jenkins/build-spec.js';

const FULL = {
  hash: '0123456789ab',
  fields: { steps: '01234567', env: '89abcdef', timeout: 'fedcba98', ci: '76543210' },
};

describe('the BUILD_SPEC parameter', () => {
  it('carries the whole hash, then each field by name', () => {
    expect(formatBuildSpec(FULL)).toBe(
      '0123456789ab steps:01234567 env:89abcdef timeout:fedcba98 ci:76543210',
    );
    expect(parseBuildSpec(formatBuildSpec(FULL))).toEqual(FULL);
  });

  it.each([
    { what: 'an empty value (a build from before the parameter)', value: '' },
    { what: 'no value at all', value: undefined },
    { what: 'a value typed by hand', value: 'rebuild please' },
    { what: 'a hash of the wrong length', value: '0123456789abcdef steps:01234567' },
  ])('reads no spec from $what', ({ value }) => {
    expect(parseBuildSpec(value)).toBeUndefined();
  });

  it('keeps the fields it knows and leaves out the others', () => {
    expect(parseBuildSpec(' 0123456789ab steps:01234567 agent:01234567 env:nothex\n')).toEqual({
      hash: '0123456789ab',
      fields: { steps: '01234567' },
    });
  });
});
