import type { GStringPart } from './lexer.js';

/** A Groovy expression as it appears in step arguments and `environment` blocks. */
export type Expr =
  | { kind: 'string'; value: string }
  | { kind: 'gstring'; parts: GStringPart[] }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'ident'; name: string }
  | { kind: 'property'; target: Expr; name: string }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'map'; entries: [string, Expr][] }
  | { kind: 'call'; name: string; args: Args }
  | { kind: 'plus'; left: Expr; right: Expr };

/** Arguments of a call: `sh 'x'` is one positional; `git url: u, branch: b` two named. */
export interface Args {
  positional: Expr[];
  named: [string, Expr][];
}

/** A step call, with the block of a block-scoped step (`timeout(…) { … }`) if it has one. */
export interface Step {
  name: string;
  args: Args;
  body?: Step[];
  line: number;
  column: number;
}

/** One `post { <condition> { … } }` block. */
export interface PostBlock {
  condition: string;
  steps: Step[];
}

/** `stage('name') { environment { … } steps { … } post { … } }`. */
export interface Stage {
  name: string;
  steps: Step[];
  environment: [string, Expr][];
  post: PostBlock[];
}

/** A declarative pipeline, as far as the emulator runs it. */
export interface Pipeline {
  stages: Stage[];
  environment: [string, Expr][];
  /** Calls in `options { … }` (`timeout(time: 5, unit: 'MINUTES')`, `disableConcurrentBuilds()`). */
  options: Step[];
  /** Calls in `parameters { … }` (`string(name: 'COMMIT', defaultValue: '')`). */
  parameters: Step[];
  post: PostBlock[];
}

/** A value an expression evaluates to. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | CallValue;

/** The value of `scmGit(…)`, `[$class: 'GitSCM', …]` stays a map; named calls stay calls. */
export interface CallValue {
  call: string;
  positional: Value[];
  named: Record<string, Value>;
}

/** Post conditions of declarative Pipeline, in the order they run (`BuildCondition` extensions). */
export const POST_CONDITIONS = [
  'always',
  'changed',
  'fixed',
  'regression',
  'aborted',
  'failure',
  'success',
  'unstable',
  'unsuccessful',
  'notBuilt',
  'cleanup',
] as const;
