/**
 * The JSON flavour of Jenkins' "Remote Access API"
 * (https://www.jenkins.io/doc/book/using/remote-access-api/): every model object is served at
 * `<object>/api/json`; `depth=N` expands nested objects N levels deep, and `tree=` picks
 * properties (`jobs[name,url],builds[number,result]{0,5}`) at any depth, `{M,N}` taking elements
 * M (inclusive) to N (exclusive) of a list, `{M,}`, `{,N}` and `{N}` as in Stapler's `Range`.
 * `_class` is always kept, as Jenkins does since 2.x.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A value of the model before rendering: plain JSON, or references to other model objects. */
export type ModelValue = string | number | boolean | null | ModelValue[] | ModelObject | Ref | Lazy;
/** An object of the model: properties in the order Jenkins exports them. */
export interface ModelObject {
  [key: string]: ModelValue;
}

/**
 * A nested model object with its depth-0 summary (a job's build is `{ _class, number, url }`
 * until `depth` or `tree` asks for more) and its whole self, computed only when asked for.
 */
export class Ref {
  constructor(
    readonly shallow: ModelObject,
    readonly deep: () => ModelObject,
  ) {}
}

/**
 * A property whose value is computed only when a request renders it. Stapler reads an exported
 * property only after the tree pruner accepted it (jenkinsci/stapler
 * core/src/main/java/org/kohsuke/stapler/export/Property.java, `writeTo`: `pruner.accept(object,
 * this)` first, then the getter), so a request for a job's name never walks its builds or the queue.
 */
export class Lazy {
  constructor(readonly compute: () => ModelValue) {}
}

interface TreeNode {
  children?: TreeSpec;
  range?: { from: number; to?: number };
}
type TreeSpec = Map<string, TreeNode>;

/** Renders a model object as `api/json` would, for the request's `depth` and `tree` parameters. */
export function renderApi(root: ModelObject, query: URLSearchParams): string {
  const tree = query.get('tree');
  const depth = Number.parseInt(query.get('depth') ?? '0', 10) || 0;
  // Objects nested in the root are at level 1: at depth 0 they show their summary only.
  const value = tree ? renderTree(root, parseTree(tree)) : renderDepth(root, 1, depth);
  return query.get('pretty') === 'true' ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

function renderDepth(value: ModelValue, level: number, depth: number): JsonValue {
  if (value instanceof Lazy) return renderDepth(value.compute(), level, depth);
  if (value instanceof Ref) {
    return renderDepth(level <= depth ? value.deep() : value.shallow, level + 1, depth);
  }
  if (Array.isArray(value)) return value.map((element) => renderDepth(element, level, depth));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, JsonValue> = {};
  for (const [key, child] of Object.entries(value)) out[key] = renderDepth(child, level, depth);
  return out;
}

function renderTree(value: ModelValue, spec: TreeSpec | undefined): JsonValue {
  if (value instanceof Lazy) return renderTree(value.compute(), spec);
  if (value instanceof Ref) return renderTree(value.deep(), spec);
  if (Array.isArray(value)) return value.map((element) => renderTree(element, spec));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, JsonValue> = {};
  const kind = value._class;
  if (typeof kind === 'string') out._class = kind;
  if (!spec) return Object.keys(out).length > 0 ? out : renderDepth(value, 1, 0);
  for (const [key, property] of Object.entries(value)) {
    const node = spec.get(key);
    if (!node || key === '_class') continue;
    const child = property instanceof Lazy ? property.compute() : property;
    const selected = Array.isArray(child) && node.range ? child.slice(node.range.from, node.range.to) : child;
    out[key] = renderTree(selected, node.children);
  }
  return out;
}

/** Parses Stapler's tree syntax; unknown characters are taken as part of names, as Stapler does. */
export function parseTree(text: string): TreeSpec {
  const state = { text, at: 0 };
  const spec = parseList(state);
  return spec;
}

function parseList(state: { text: string; at: number }): TreeSpec {
  const spec: TreeSpec = new Map();
  while (state.at < state.text.length) {
    const name = readName(state);
    const node: TreeNode = {};
    if (state.text[state.at] === '[') {
      state.at++;
      node.children = parseList(state);
      if (state.text[state.at] === ']') state.at++;
    }
    if (state.text[state.at] === '{') node.range = readRange(state);
    if (name) spec.set(name, node);
    const next = state.text[state.at];
    if (next === ',') {
      state.at++;
      continue;
    }
    if (next === ']' || next === undefined) break;
    state.at++;
  }
  return spec;
}

function readName(state: { text: string; at: number }): string {
  const start = state.at;
  while (state.at < state.text.length && !'[]{},'.includes(state.text[state.at] as string)) state.at++;
  return state.text.slice(start, state.at).trim();
}

function readRange(state: { text: string; at: number }): { from: number; to?: number } {
  const close = state.text.indexOf('}', state.at);
  const body = state.text.slice(state.at + 1, close === -1 ? undefined : close);
  state.at = close === -1 ? state.text.length : close + 1;
  const [fromText = '', toText] = body.split(',');
  const from = fromText.trim() === '' ? 0 : Number(fromText);
  if (toText === undefined) return { from, to: from + 1 };
  return toText.trim() === '' ? { from } : { from, to: Number(toText) };
}
