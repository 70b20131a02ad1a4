/**
 * Variables a tool run (ansible-playbook, tofu) may take from the reconciler's environment: what
 * finding programs, locale, time zone, temporary files, TLS roots and proxies need. Nothing else
 * passes unless a runner names it, so secrets of the reconciler's own never reach a tool.
 */
export const BASE_ENV_NAMES: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/** The named variables that are set in `base`. */
export function pickEnv(base: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = base[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
