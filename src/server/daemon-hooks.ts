import { existsSync } from 'node:fs';
import { runGit } from '../backends/git/remote.js';
import type { Runtime } from '../engine/runtime.js';
import { resolveSecret } from '../secrets/resolve.js';
import type { DaemonOptions } from './daemon.js';
import { createFleetMatcher, type WebhookMatcher } from './webhooks/match.js';

/**
 * What the webhook routes need of the fleet in force: the secret (`spec.watch.webhooks.secret`,
 * resolved and registered with the redactor; none until it can be read, so hooks answer 503) and
 * the matcher of pushes and Jenkins builds to products, made again for each new revision.
 */
export class Hooks {
  readonly #options: DaemonOptions;
  secret: string | undefined;
  matcher: WebhookMatcher | undefined;

  constructor(options: DaemonOptions) {
    this.#options = options;
  }

  configure(runtime: Runtime): void {
    void this.#configure(runtime);
  }

  async #configure(runtime: Runtime): Promise<void> {
    // The fleet repo as a forge names it in a push: its remotes' URLs, besides where it is read.
    const remotes = existsSync(runtime.fleet.source)
      ? (
          await runGit(['config', '--get-regexp', '^remote\\..*\\.url$'], { cwd: runtime.fleet.source })
        ).stdout
          .split('\n')
          .flatMap((line) => line.split(' ').slice(1, 2))
      : [];
    this.matcher = createFleetMatcher({
      fleet: runtime.fleet,
      root: runtime.fleetDir,
      fleetRepo: [runtime.fleet.source, ...remotes],
    });
    const ref = runtime.fleet.fleet.manifest.spec.watch?.webhooks?.secret;
    if (ref === undefined) {
      this.secret = undefined;
      return;
    }
    resolveSecret(ref, { env: this.#options.env, baseDir: runtime.fleetDir })
      .then((secret) => {
        this.secret = secret;
      })
      .catch((error: unknown) => {
        this.secret = undefined;
        this.#options.logger.error({ err: error }, 'webhooks are off: their secret cannot be read');
      });
  }
}
