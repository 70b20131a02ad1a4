import { describe, expect, it } from 'vitest';
import { statePath } from '../../src/store/location.js';

describe('statePath', () => {
  it.each([
    ['the default under the fleet', undefined, {}, '/fleet/.codemonkeys/state.db'],
    ['the fleet setting, relative to the fleet', 'var/state.sqlite', {}, '/fleet/var/state.sqlite'],
    ['an absolute fleet setting', '/srv/cm/state.db', {}, '/srv/cm/state.db'],
    [
      '$CODEMONKEYS_STATE over the fleet setting',
      'var/state.sqlite',
      { CODEMONKEYS_STATE: '/tmp/s.db' },
      '/tmp/s.db',
    ],
    [
      'an empty $CODEMONKEYS_STATE as unset',
      undefined,
      { CODEMONKEYS_STATE: '' },
      '/fleet/.codemonkeys/state.db',
    ],
  ])('%s', (_label, configured, env, expected) => {
    expect(statePath('/fleet', configured, env)).toBe(expected);
  });
});
