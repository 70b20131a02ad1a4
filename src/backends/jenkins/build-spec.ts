import type { BuildSpecField, BuildSpecHash } from '../ci.js';

/** The job parameter a build carries its build spec in (declared by JOB_PARAMETERS). */
export const BUILD_SPEC_PARAMETER = 'BUILD_SPEC';

const FIELDS: readonly BuildSpecField[] = ['steps', 'env', 'timeout', 'ci', 'artifacts'];

/**
 * A build spec's hashes as one parameter value, `<hash> steps:<h> env:<h> timeout:<h> ci:<h>`:
 * Jenkins keeps a build's parameters with it and serves them in the same JSON as its result, so
 * one look at a job tells which spec each of its builds ran.
 */
export function formatBuildSpec(spec: BuildSpecHash): string {
  const fields = FIELDS.flatMap((field) => {
    const hash = spec.fields[field];
    return hash === undefined ? [] : [`${field}:${hash}`];
  });
  return [spec.hash, ...fields].join(' ');
}

/**
 * The hashes a BUILD_SPEC value carries; undefined for an empty or foreign value (a build from
 * before the parameter, or started by hand). Lenient: a field it does not know is left out.
 */
export function parseBuildSpec(value: string | undefined): BuildSpecHash | undefined {
  const [hash, ...tokens] = (value ?? '').trim().split(/\s+/);
  if (hash === undefined || !/^[0-9a-f]{12}$/.test(hash)) return undefined;
  const fields: BuildSpecHash['fields'] = {};
  for (const token of tokens) {
    const match = /^([a-z]+):([0-9a-f]{8})$/.exec(token);
    const field = FIELDS.find((known) => known === match?.[1]);
    if (field && match) fields[field] = match[2];
  }
  return { hash, fields };
}
