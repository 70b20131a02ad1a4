import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY_DIR, type PlaybookRequest } from '../../../src/backends/ansible/index.js';
import { type TestRunner, tempDir, testRunner } from './helpers.js';

const temp = tempDir('cm-ansible-library-');
let test: TestRunner;

beforeAll(() => {
  test = testRunner(temp.dir);
});
afterAll(() => temp.cleanup());

const PLAYBOOKS = readdirSync(LIBRARY_DIR).filter((name) => name.endsWith('.yml'));

describe('the playbook library', () => {
  it('holds the six playbooks the README describes', () => {
    expect(PLAYBOOKS.sort()).toEqual([
      'deploy-static-site.yml',
      'deploy-systemd-service.yml',
      'publish-container.yml',
      'publish-crates.yml',
      'publish-npm.yml',
      'publish-pypi.yml',
    ]);
    const readme = readFileSync(join(LIBRARY_DIR, 'README.md'), 'utf8');
    for (const name of PLAYBOOKS) expect(readme).toContain(name);
  });

  it('passes ansible-playbook --syntax-check, every playbook', async () => {
    const checks = PLAYBOOKS.map((playbook) => test.runner.syntaxCheck({ playbook, baseDir: temp.dir }));
    await expect(Promise.all(checks)).resolves.toBeDefined();
  });
});

// There is no systemd here: the tasks tagged `systemd` are skipped and everything else runs for
// real against temporary folders. Only --syntax-check covers the systemd tasks.
describe('deploy-systemd-service.yml without its systemd tasks', () => {
  let request: PlaybookRequest;
  let install: string;
  let units: string;

  beforeAll(() => {
    const program = join(temp.dir, 'widgetd');
    writeFileSync(program, '#!/bin/sh\nexec sleep infinity\n');
    chmodSync(program, 0o755);
    install = join(temp.dir, 'opt', 'widget');
    // Stands in for /etc/systemd/system, which every systemd host has.
    units = join(temp.dir, 'units');
    mkdirSync(units);
    request = {
      playbook: 'deploy-systemd-service.yml',
      baseDir: temp.dir,
      vars: {
        service_name: 'widget',
        service_src: program,
        service_version: '2.0.0',
        service_install_dir: install,
        service_unit_dir: units,
        service_environment: { PORT: '8080' },
      },
      skipTags: ['systemd'],
    };
  });

  it('in check mode would install the program, the unit and the marker, and writes nothing', async () => {
    const result = await test.runner.check(request);
    const changed = result.tasks.filter((task) => task.status === 'changed').map((task) => task.task);
    expect(changed).toEqual([
      'Create the install folder',
      'Install the program',
      'Write the unit',
      'Record the deployed version',
    ]);
    expect(result.customStats.perHost.localhost).toEqual({ deployed_version: '', wanted_version: '2.0.0' });
    expect(existsSync(install)).toBe(false);
  });

  it('installs on apply, and a second apply changes nothing', async () => {
    await test.runner.apply(request);
    const unit = readFileSync(join(units, 'widget.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${join(install, 'widgetd')}\n`);
    expect(unit).toContain('Environment="PORT=8080"\n');
    expect(unit).not.toContain('User=');
    expect(readFileSync(join(install, '.codemonkeys-version'), 'utf8')).toBe('2.0.0\n');

    const second = await test.runner.apply(request);
    expect(second.changed).toBe(false);
    expect(second.customStats.perHost.localhost?.deployed_version).toBe('2.0.0');
  });
});
