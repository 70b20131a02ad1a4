import { describe, expect, it } from 'vitest';
import { loadFleetFiles } from '../../src/fleet/load.js';
import type { Problem } from '../../src/fleet/problems.js';
import { baseFileWith, fleetWith } from '../helpers/fleet-fixtures.js';
import {
  cases,
  FLEET_WITH_GLOBEX_GIT_TOKEN,
  NOW,
  PRIVATE_PORTAL,
  PRODUCT,
  WIDGET,
} from '../helpers/validate-cases.js';

describe('validation reports each class of mistake with its place', () => {
  it('accepts the base fixture fleet', () => {
    const result = loadFleetFiles(fleetWith(), NOW);
    expect(result.problems).toEqual([]);
    expect(result.fleet?.products.size).toBe(3);
    expect([...(result.fleet?.products.keys() ?? [])]).toEqual([
      'acme/core-lib',
      'acme/widget',
      'globex/portal',
    ]);
  });

  it.each(cases)('$name', ({ overlay, expected }) => {
    const result = loadFleetFiles(fleetWith(overlay), NOW);
    for (const want of expected) {
      const match = result.problems.find(
        (problem) => problem.code === want.code && problem.file === want.file && problem.line === want.line,
      );
      expect(
        match,
        `no ${want.code} in ${want.file} at line ${want.line}; got ${JSON.stringify(result.problems, null, 1)}`,
      ).toBeDefined();
      const got = match as Problem;
      expect(got.message).toMatch(want.message);
      expect(got.line).toBe(want.line);
      if (want.column !== undefined) expect(got.column).toBe(want.column);
      if (want.pointer !== undefined) expect(got.pointer).toBe(want.pointer);
      expect(got.severity).toBe(want.severity ?? 'error');
    }
    const hasError = expected.some((want) => (want.severity ?? 'error') === 'error');
    expect(result.fleet === undefined).toBe(hasError);
  });

  it('reports every problem, not only the first', () => {
    const result = loadFleetFiles(
      fleetWith({
        [WIDGET]: baseFileWith(WIDGET, '    timeout: 15m', '    timeout: 15\n    stepz: []'),
        'products/globex/portal.yaml': PRODUCT('portal', 'globx', '  dependsOn: [acme/nope]\n'),
      }),
      NOW,
    );
    expect(result.problems.map((problem) => problem.code).sort()).toEqual([
      'undeclared-org',
      'unknown-dependency',
      'unknown-field',
      'wrong-type',
    ]);
  });

  it('never echoes a literal secret in any problem', () => {
    const secret = 'hunter2-very-secret';
    const result = loadFleetFiles(
      fleetWith({
        'fleet.yaml': baseFileWith('fleet.yaml', 'token: { env: JENKINS_TOKEN }', `token: ${secret}`),
        [WIDGET]: baseFileWith(
          WIDGET,
          'url: ../repos/widget.git',
          `url: https://bob:${secret}@git.example.com/w.git`,
        ),
      }),
      NOW,
    );
    expect(result.problems.filter((problem) => problem.code === 'literal-secret')).toHaveLength(2);
    expect(JSON.stringify(result.problems)).not.toContain(secret);
  });
});

describe('Jenkins credentials for private repositories (spec.ci.jenkins.credentials)', () => {
  it('accept a product on jenkins whose repo credential is mapped, even under a secret-looking name', () => {
    const fleetYaml = FLEET_WITH_GLOBEX_GIT_TOKEN.replace('gitToken: {', 'git-token: {').replace(
      '      token: { env: JENKINS_TOKEN }\n',
      '      token: { env: JENKINS_TOKEN }\n      credentials:\n        globex/git-token: globex-git-token\n',
    );
    const result = loadFleetFiles(
      fleetWith({
        'fleet.yaml': fleetYaml,
        'products/globex/portal.yaml': PRIVATE_PORTAL.replace(
          'credentials: gitToken',
          'credentials: git-token',
        ),
      }),
      NOW,
    );
    expect(result.problems).toEqual([]);
    expect(result.fleet?.fleet.manifest.spec.ci?.jenkins?.credentials).toEqual({
      'globex/git-token': 'globex-git-token',
    });
  });

  it('ask nothing of a product that builds locally from a private repository', () => {
    const result = loadFleetFiles(
      fleetWith({
        'products/acme/core-lib.yaml': baseFileWith(
          'products/acme/core-lib.yaml',
          'repo: { url: ../repos/core-lib.git }',
          'repo: { url: ../repos/core-lib.git, credentials: npmToken }',
        ),
      }),
      NOW,
    );
    expect(result.problems).toEqual([]);
  });
});
