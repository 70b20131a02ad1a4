/**
 * The protocols every git command this project runs may use, whatever the user's git config or
 * environment allows: local paths and file://, git://, http(s):// and ssh://. Never `ext::` (it
 * runs a command named in the URL), `fd::` or another transport helper: a repository URL comes
 * from a manifest, and `plan` runs on pull-request heads.
 */
export const GIT_PROTOCOLS = 'file:git:http:https:ssh';

/**
 * What git may see of the process's environment: where it runs and for whom, the locale, how to
 * reach servers (ssh agent, proxies) and which git config files to read. Not GIT_DIR, GIT_ASKPASS,
 * GIT_SSH_COMMAND, EDITOR, pagers or hooks paths: those would let the environment run commands or
 * redirect git to another repository.
 */
const PASSED =
  /^(PATH|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TMPDIR|XDG_[A-Z_]+|SSH_AUTH_SOCK|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY|all_proxy|ALL_PROXY|GIT_CONFIG_GLOBAL|GIT_CONFIG_NOSYSTEM|GIT_CONFIG_SYSTEM)$/;

/**
 * The whole environment git runs with: what it may see of `base` (PASSED), only our protocols
 * (GIT_ALLOW_PROTOCOL overrides `protocol.*.allow` in any config) and no prompt for credentials.
 * Pass it with execa's `extendEnv: false`, or to simple-git's `env()`.
 */
/**
 * simple-git's own guard refuses GIT_CONFIG_GLOBAL and GIT_CONFIG_SYSTEM in the environment it is
 * given; these come from the user's environment (tests point them at /dev/null), not a manifest.
 */
export const SIMPLE_GIT_OPTIONS = { unsafe: { allowUnsafeConfigPaths: true } } as const;

export function gitEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base))
    if (value !== undefined && PASSED.test(key)) env[key] = value;
  return { ...env, GIT_ALLOW_PROTOCOL: GIT_PROTOCOLS, GIT_TERMINAL_PROMPT: '0' };
}
