import { parseCommandArgs, parseExpression, parseParenArgs } from './expressions.js';
import { CompileError, type Token, tokenize } from './lexer.js';
import {
  type Args,
  type Expr,
  type Pipeline,
  POST_CONDITIONS,
  type PostBlock,
  type Stage,
  type Step,
} from './model.js';
import { TokenStream, unexpected } from './stream.js';

/**
 * Parses a declarative Jenkinsfile ("Pipeline Syntax", https://www.jenkins.io/doc/book/pipeline/syntax/):
 * `pipeline { agent …; options { … }; parameters { … }; environment { … }; stages { stage('n') { steps { … } } }; post { … } }`.
 * Sections the emulator does not act on (agent, triggers, tools, libraries) are
 * checked for balanced braces and skipped; unknown sections and stage directives it cannot run
 * (`when`, `parallel`, `matrix`, nested `stages`) are compile errors, as Declarative's validator
 * reports an unknown section. Steps are parsed as calls; whether a step exists is decided at run
 * time, as Pipeline does (`No such DSL method`).
 */
export function parsePipeline(source: string): Pipeline {
  const stream = new TokenStream(tokenize(source));
  stream.skipNewlines();
  const head = stream.next();
  if (head.type !== 'ident' || head.value !== 'pipeline') {
    throw new CompileError(
      'Missing required section "pipeline" — the emulator runs declarative Pipelines only',
      head.line,
      head.column,
    );
  }
  const pipeline: Pipeline = { stages: [], environment: [], options: [], parameters: [], post: [] };
  let sawStages = false;
  block(stream, (name) => {
    switch (name.value) {
      case 'agent':
        skipAgent(stream);
        return;
      case 'parameters':
        pipeline.parameters = steps(stream);
        return;
      case 'triggers':
      case 'tools':
      case 'libraries':
        skipBlock(stream);
        return;
      case 'options':
        pipeline.options = steps(stream);
        return;
      case 'environment':
        pipeline.environment = environment(stream);
        return;
      case 'stages':
        sawStages = true;
        pipeline.stages = stages(stream);
        return;
      case 'post':
        pipeline.post = post(stream);
        return;
      default:
        throw new CompileError(`Undefined section "${name.value}"`, name.line, name.column);
    }
  });
  stream.skipNewlines();
  if (stream.peek().type !== 'eof') throw unexpected(stream.peek(), 'the end of the script');
  if (!sawStages) throw new CompileError('Missing required section "stages"', head.line, head.column);
  return pipeline;
}

/** `{ name … name … }`: calls `section` with each leading identifier, the stream positioned after it. */
function block(stream: TokenStream, section: (name: Token & { type: 'ident' }) => void): void {
  stream.expect('{');
  stream.skipNewlines();
  while (!stream.is('}')) {
    const name = stream.next();
    if (name.type !== 'ident') throw unexpected(name, 'a section name');
    section(name);
    stream.skipNewlines();
  }
  stream.expect('}');
}

function skipBlock(stream: TokenStream): void {
  const open = stream.expect('{');
  let depth = 1;
  while (depth > 0) {
    const token = stream.next();
    if (token.type === 'eof')
      throw new CompileError('unexpected end of file: a block is not closed', open.line, open.column);
    if (token.type === 'punct' && token.value === '{') depth++;
    if (token.type === 'punct' && token.value === '}') depth--;
  }
}

/** `agent any`, `agent none`, `agent { label 'x' }`: the emulator runs everything on its own node. */
function skipAgent(stream: TokenStream): void {
  if (stream.is('{')) skipBlock(stream);
  else parseExpression(stream);
}

function stages(stream: TokenStream): Stage[] {
  const found: Stage[] = [];
  block(stream, (name) => {
    if (name.value !== 'stage')
      throw new CompileError(`Expected a stage, found "${name.value}"`, name.line, name.column);
    found.push(stage(stream, name));
  });
  if (found.length === 0)
    throw new CompileError('No stages specified', stream.peek().line, stream.peek().column);
  return found;
}

function stage(stream: TokenStream, at: Token): Stage {
  const args = parseParenArgs(stream);
  const title = args.positional[0] ?? args.named.find(([key]) => key === 'name')?.[1];
  if (!title || (title.kind !== 'string' && title.kind !== 'gstring')) {
    throw new CompileError('Expected a stage name', at.line, at.column);
  }
  const name =
    title.kind === 'string'
      ? title.value
      : title.parts.map((part) => ('text' in part ? part.text : '')).join('');
  const result: Stage = { name, steps: [], environment: [], post: [] };
  let sawSteps = false;
  block(stream, (directive) => {
    switch (directive.value) {
      case 'steps':
        sawSteps = true;
        result.steps = steps(stream);
        return;
      case 'environment':
        result.environment = environment(stream);
        return;
      case 'post':
        result.post = post(stream);
        return;
      case 'agent':
        skipAgent(stream);
        return;
      case 'options':
      case 'tools':
        skipBlock(stream);
        return;
      default:
        throw new CompileError(
          `Unknown stage section "${directive.value}" (the Jenkins emulator runs stages of "steps" only)`,
          directive.line,
          directive.column,
        );
    }
  });
  if (!sawSteps) throw new CompileError(`Stage "${name}" has no "steps"`, at.line, at.column);
  return result;
}

function post(stream: TokenStream): PostBlock[] {
  const found: PostBlock[] = [];
  block(stream, (name) => {
    if (!(POST_CONDITIONS as readonly string[]).includes(name.value)) {
      throw new CompileError(
        `Invalid condition "${name.value}" - valid conditions are [${POST_CONDITIONS.join(', ')}]`,
        name.line,
        name.column,
      );
    }
    found.push({ condition: name.value, steps: steps(stream) });
  });
  return found;
}

/** `{ NAME = expr … }` */
function environment(stream: TokenStream): [string, Expr][] {
  const found: [string, Expr][] = [];
  block(stream, (name) => {
    stream.expect('=');
    found.push([name.value, parseExpression(stream)]);
  });
  return found;
}

/** `{ step args; step(args) { … } … }` */
export function steps(stream: TokenStream): Step[] {
  const found: Step[] = [];
  block(stream, (name) => {
    found.push(step(stream, name));
  });
  return found;
}

function step(stream: TokenStream, name: Token): Step {
  let args: Args = { positional: [], named: [] };
  const next = stream.peek();
  if (stream.is('(')) args = parseParenArgs(stream);
  else if (
    !(next.type === 'newline' || next.type === 'eof' || stream.is('}') || stream.is(';') || stream.is('{'))
  ) {
    args = parseCommandArgs(stream);
  }
  const found: Step = { name: name.value, args, line: name.line, column: name.column };
  if (stream.is('{')) found.body = steps(stream);
  const end = stream.peek();
  if (!(end.type === 'newline' || end.type === 'eof' || stream.is('}') || stream.is(';')))
    throw unexpected(end, 'the end of the step');
  return found;
}
