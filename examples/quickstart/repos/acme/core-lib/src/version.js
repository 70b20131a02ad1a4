// Semantic versions (https://semver.org) without build metadata ordering subtleties we do not need.

const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Parses "1.4.0", "v2.0.0-rc.1" or "1.0.0+build.5"; throws on anything else. */
export function parseVersion(text) {
  const match = VERSION.exec(String(text).trim());
  if (!match) throw new TypeError(`not a semantic version: ${JSON.stringify(text)}`);
  const [, major, minor, patch, pre] = match;
  return { major: Number(major), minor: Number(minor), patch: Number(patch), prerelease: pre ? pre.split('.') : [] };
}

/** -1, 0 or 1, ordering versions by semver precedence (a pre-release sorts before its release). */
export function compareVersions(a, b) {
  const left = parseVersion(a);
  const right = parseVersion(b);
  for (const key of ['major', 'minor', 'patch']) {
    if (left[key] !== right[key]) return left[key] < right[key] ? -1 : 1;
  }
  return comparePrerelease(left.prerelease, right.prerelease);
}

function comparePrerelease(left, right) {
  if (left.length === 0 || right.length === 0) return Math.sign(right.length - left.length);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] === undefined) return -1;
    if (right[i] === undefined) return 1;
    if (left[i] === right[i]) continue;
    const numeric = /^\d+$/.test(left[i]) && /^\d+$/.test(right[i]);
    if (numeric) return Number(left[i]) < Number(right[i]) ? -1 : 1;
    return left[i] < right[i] ? -1 : 1;
  }
  return 0;
}

/** The next version after a change of the given kind: 'major', 'minor' or 'patch'. */
export function bumpVersion(text, kind) {
  const { major, minor, patch } = parseVersion(text);
  if (kind === 'major') return `${major + 1}.0.0`;
  if (kind === 'minor') return `${major}.${minor + 1}.0`;
  if (kind === 'patch') return `${major}.${minor}.${patch + 1}`;
  throw new TypeError(`unknown bump kind: ${JSON.stringify(kind)}`);
}
