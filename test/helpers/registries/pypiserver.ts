import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { isExecutableFile, toolsDir } from '../../../src/backends/tools.js';
import { probe, startServerProcess } from './server-process.js';

/** The pypiserver release scripts/setup.sh installs; the venv's folder is named after it. */
export const PYPISERVER_VERSION = '2.4.2';

/** A pypiserver index on 127.0.0.1 that takes uploads only with its one user's password. */
export interface Pypiserver {
  /** http://127.0.0.1:<port>: the simple index is `<url>/simple/`, files are under `<url>/packages/`. */
  url: string;
  /** Where twine uploads (`--repository-url`): `<url>/`. */
  uploadUrl: string;
  username: string;
  password: string;
  /** The folder the index serves and uploads land in. */
  packagesDir: string;
  /** Kills the server and removes its folder. */
  stop(): Promise<void>;
}

/**
 * The venv scripts/setup.sh installs pypiserver and passlib into:
 * `${CODEMONKEYS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/codemonkeys/tools}/pypiserver-<version>`.
 */
export function pypiserverDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(toolsDir(env), `pypiserver-${PYPISERVER_VERSION}`);
}

/** The `pypi-server` program in that venv, whether or not it is there. */
export function pypiserverBin(env: NodeJS.ProcessEnv = process.env): string {
  return join(pypiserverDir(env), 'bin', 'pypi-server');
}

const USERNAME = 'uploader';

/**
 * Starts pypiserver from the venv scripts/setup.sh made, serving an empty folder, with uploads
 * (`-a update`) behind an htpasswd file passlib writes, and no fallback to pypi.org: a project
 * it lacks is a 404, never a redirect off this machine.
 */
export async function startPypiserver(): Promise<Pypiserver> {
  const bin = pypiserverBin();
  if (!(await isExecutableFile(bin))) {
    throw new Error(`pypiserver is not installed at ${bin}: run \`bash scripts/setup.sh pypiserver\``);
  }
  const password = randomBytes(12).toString('hex');
  const server = await startServerProcess({
    name: 'pypiserver',
    prepare: async (dir, port) => {
      const packages = join(dir, 'packages');
      const htpasswd = join(dir, 'htpasswd');
      await mkdir(packages, { recursive: true });
      await writeHtpasswd(htpasswd, USERNAME, password);
      return [
        bin,
        'run',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--authenticate',
        'update',
        '--passwords',
        htpasswd,
        '--disable-fallback',
        '--server',
        'wsgiref',
        packages,
      ];
    },
    isReady: async (url) => {
      const response = await probe(`${url}/health`);
      return (await response?.text()) === 'Ok';
    },
  });
  return {
    url: server.url,
    uploadUrl: `${server.url}/`,
    username: USERNAME,
    password,
    packagesDir: join(server.dir, 'packages'),
    stop: server.stop,
  };
}

/** An Apache htpasswd file with one user, written by passlib (in the venv); the password goes by stdin. */
async function writeHtpasswd(path: string, username: string, password: string): Promise<void> {
  const script = [
    'import sys',
    'from passlib.apache import HtpasswdFile',
    'ht = HtpasswdFile(sys.argv[1], new=True)',
    'ht.set_password(sys.argv[2], sys.stdin.read())',
    'ht.save()',
  ].join('\n');
  await execa(join(pypiserverDir(), 'bin', 'python'), ['-c', script, path, username], { input: password });
}
