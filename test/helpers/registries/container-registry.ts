import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probe, startServerProcess } from './server-process.js';

/** Debian's docker-registry (CNCF distribution 2.8) on 127.0.0.1, plain HTTP, no auth. */
export interface ContainerRegistry {
  /** 127.0.0.1:<port>, as an image reference names the registry: `<host>/acme/widget:1.0`. */
  host: string;
  /** http://127.0.0.1:<port>: the API is under `<url>/v2/`. */
  url: string;
  /** Kills the registry and removes its folder (storage and config). */
  stop(): Promise<void>;
}

/** Where Debian's docker-registry package puts the program (scripts/setup.sh installs it). */
export const DOCKER_REGISTRY = '/usr/bin/docker-registry';

/**
 * Starts docker-registry with filesystem storage in a temporary folder, listening on plain HTTP
 * on loopback, with no auth: clients push with TLS verification off (`skopeo --dest-tls-verify=false`),
 * which lets them speak HTTP. Only errors are logged (to its server.log).
 */
export async function startContainerRegistry(): Promise<ContainerRegistry> {
  const server = await startServerProcess({
    name: 'docker-registry',
    prepare: async (dir, port) => {
      const config = join(dir, 'config.yml');
      await writeFile(config, registryConfig(dir, port));
      return [DOCKER_REGISTRY, 'serve', config];
    },
    isReady: async (url) => {
      const response = await probe(`${url}/v2/`);
      await response?.body?.cancel();
      return response?.headers.get('docker-distribution-api-version') === 'registry/2.0';
    },
  });
  return { host: new URL(server.url).host, url: server.url, stop: server.stop };
}

function registryConfig(dir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(join(dir, 'storage'))}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}
