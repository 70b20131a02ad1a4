import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { MAKE_PYTHON_DIST } from '../release-fleet.js';
import { pypiserverDir } from './pypiserver.js';

/** A pure-Python project to build, as a product's sources would describe it. */
export interface PythonProject {
  /** Project name as in its metadata, such as `widget-ship`. */
  name: string;
  version: string;
  /** Source files by path inside the package's root (`widget_ship/__init__.py`) → text. */
  files: Record<string, string>;
}

/** The distributions written into a folder, by absolute path. */
export interface PythonDists {
  wheel: string;
  sdist: string;
}

/**
 * Builds a wheel (`<name>-<version>-py3-none-any.whl`) and an sdist (`<name>-<version>.tar.gz`)
 * into `dir`, without network and without setuptools or wheel, with the script a product's build
 * step runs in the release tests (test/fixtures/release/make-python-dist.py): the project is
 * written to a scratch folder (its files, and a pyproject.toml with the name and version), built
 * there, and its dist/ moved into `dir`. Runs the Python of the pypiserver venv scripts/setup.sh makes.
 */
export async function writePythonDists(dir: string, project: PythonProject): Promise<PythonDists> {
  const work = await mkdtemp(join(tmpdir(), 'cm-python-project-'));
  try {
    for (const [path, text] of Object.entries(project.files)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), text);
    }
    await writeFile(
      join(work, 'pyproject.toml'),
      `[project]\nname = "${project.name}"\nversion = "${project.version}"\n`,
    );
    await execa(join(pypiserverDir(), 'bin', 'python'), [MAKE_PYTHON_DIST], { cwd: work });
    await mkdir(dir, { recursive: true });
    const stem = `${project.name.replace(/[-_.]+/g, '_').toLowerCase()}-${project.version}`;
    const dists = { wheel: join(dir, `${stem}-py3-none-any.whl`), sdist: join(dir, `${stem}.tar.gz`) };
    await rename(join(work, 'dist', basename(dists.wheel)), dists.wheel);
    await rename(join(work, 'dist', basename(dists.sdist)), dists.sdist);
    return dists;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * `pip download --no-deps <requirement>` from the simple index at `simpleUrl` into `dest`, as a
 * user installing the package would fetch it (pip of the pypiserver venv, no config, no cache).
 * Resolves to the downloaded files' paths.
 */
export async function pipDownload(simpleUrl: string, requirement: string, dest: string): Promise<string[]> {
  await mkdir(dest, { recursive: true });
  const python = join(pypiserverDir(), 'bin', 'python');
  const args = ['-m', 'pip', 'download', '--no-deps', '--no-cache-dir', '--disable-pip-version-check'];
  await execa(python, [...args, '--index-url', simpleUrl, '--dest', dest, requirement], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dest, PIP_CONFIG_FILE: '/dev/null' },
    extendEnv: false,
  });
  const names = (await readdir(dest)).filter((name) => !name.startsWith('.'));
  return names.sort().map((name) => join(dest, name));
}
