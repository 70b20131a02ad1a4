import { tokenize } from './lexer.js';
import type { Args, CallValue, Expr, Value } from './model.js';
import { TokenStream, unexpected } from './stream.js';

/** An expression: operands joined by `+` (Groovy's string concatenation or addition). */
export function parseExpression(stream: TokenStream): Expr {
  let expr = parseOperand(stream);
  while (stream.is('+')) {
    stream.next();
    stream.skipNewlines();
    expr = { kind: 'plus', left: expr, right: parseOperand(stream) };
  }
  return expr;
}

/** A primary followed by `.name` and `(args)` suffixes. Newlines inside brackets are skipped. */
function parseOperand(stream: TokenStream): Expr {
  let expr = parsePrimary(stream);
  for (;;) {
    if (stream.is('.') || stream.is('?.')) {
      stream.next();
      const name = stream.next();
      if (name.type !== 'ident') throw unexpected(name, 'a property name');
      expr = { kind: 'property', target: expr, name: name.value };
    } else if (stream.is('(') && expr.kind === 'ident') {
      expr = { kind: 'call', name: expr.name, args: parseParenArgs(stream) };
    } else {
      return expr;
    }
  }
}

function parsePrimary(stream: TokenStream): Expr {
  const token = stream.next();
  switch (token.type) {
    case 'string':
      return { kind: 'string', value: token.value };
    case 'gstring':
      return { kind: 'gstring', parts: token.parts };
    case 'number':
      return { kind: 'number', value: Number(token.value) };
    case 'ident':
      if (token.value === 'true' || token.value === 'false')
        return { kind: 'boolean', value: token.value === 'true' };
      if (token.value === 'null') return { kind: 'null' };
      return { kind: 'ident', name: token.value };
    case 'punct':
      if (token.value === '[') return parseListOrMap(stream);
      if (token.value === '(') {
        stream.skipNewlines();
        const inner = parseExpression(stream);
        stream.skipNewlines();
        stream.expect(')');
        return inner;
      }
      throw unexpected(token, 'an expression');
    default:
      throw unexpected(token, 'an expression');
  }
}

function parseListOrMap(stream: TokenStream): Expr {
  stream.skipNewlines();
  if (stream.is(':') && stream.is(']', 1)) {
    stream.next();
    stream.next();
    return { kind: 'map', entries: [] };
  }
  const items: Expr[] = [];
  const entries: [string, Expr][] = [];
  while (!stream.is(']')) {
    const key = mapKey(stream);
    if (key !== undefined) entries.push([key, parseExpression(stream)]);
    else items.push(parseExpression(stream));
    stream.skipNewlines();
    if (!stream.is(',')) break;
    stream.next();
    stream.skipNewlines();
  }
  stream.skipNewlines();
  stream.expect(']');
  if (entries.length > 0 && items.length > 0) throw unexpected(stream.peek(), 'a list or a map, not both');
  return entries.length > 0 ? { kind: 'map', entries } : { kind: 'list', items };
}

/** `name:` or `'name':` ahead: consumes it and returns the name. */
function mapKey(stream: TokenStream): string | undefined {
  const token = stream.peek();
  if ((token.type === 'ident' || token.type === 'string') && stream.is(':', 1)) {
    stream.next();
    stream.next();
    stream.skipNewlines();
    return token.value;
  }
  return undefined;
}

/** `( a, name: b )`, newlines allowed anywhere inside. */
export function parseParenArgs(stream: TokenStream): Args {
  stream.expect('(');
  stream.skipNewlines();
  const args: Args = { positional: [], named: [] };
  while (!stream.is(')')) {
    addArg(stream, args);
    stream.skipNewlines();
    if (!stream.is(',')) break;
    stream.next();
    stream.skipNewlines();
  }
  stream.expect(')');
  return args;
}

/** Arguments of a command call without parentheses (`sh 'x'`): up to the end of the line, commas continuing it. */
export function parseCommandArgs(stream: TokenStream): Args {
  const args: Args = { positional: [], named: [] };
  for (;;) {
    addArg(stream, args);
    if (!stream.is(',')) return args;
    stream.next();
    stream.skipNewlines();
  }
}

function addArg(stream: TokenStream, args: Args): void {
  const key = mapKey(stream);
  if (key !== undefined) args.named.push([key, parseExpression(stream)]);
  else args.positional.push(parseExpression(stream));
}

/** What expressions can see: `params`, `env`, and environment variables by bare name. */
export interface Scope {
  params: Record<string, string>;
  env: Record<string, string>;
}

/** A runtime error of the script, printed as Groovy's exception would be. */
export class ScriptError extends Error {
  override name = 'ScriptError';
}

/** Evaluates an expression; an unknown name is Groovy's MissingPropertyException (a ScriptError). */
export function evaluate(expr: Expr, scope: Scope): Value {
  switch (expr.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return expr.value;
    case 'null':
      return null;
    case 'gstring':
      return expr.parts
        .map((part) => ('text' in part ? part.text : groovyString(evaluateSource(part.expr, scope))))
        .join('');
    case 'ident':
      return lookup(expr.name, scope);
    case 'property': {
      const target = evaluate(expr.target, scope);
      if (target === null || typeof target !== 'object' || Array.isArray(target) || 'call' in target) {
        throw new ScriptError(`groovy.lang.MissingPropertyException: No such property: ${expr.name}`);
      }
      return (target as Record<string, Value>)[expr.name] ?? null;
    }
    case 'list':
      return expr.items.map((item) => evaluate(item, scope));
    case 'map':
      return Object.fromEntries(expr.entries.map(([key, value]) => [key, evaluate(value, scope)]));
    case 'call':
      return evaluateCall(expr.name, expr.args, scope);
    case 'plus': {
      const left = evaluate(expr.left, scope);
      const right = evaluate(expr.right, scope);
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      return groovyString(left) + groovyString(right);
    }
  }
}

/** Evaluates a call's arguments (a step's, or `scmGit(…)` inside one). */
export function evaluateCall(name: string, args: Args, scope: Scope): CallValue {
  return {
    call: name,
    positional: args.positional.map((arg) => evaluate(arg, scope)),
    named: Object.fromEntries(args.named.map(([key, value]) => [key, evaluate(value, scope)])),
  };
}

function lookup(name: string, scope: Scope): Value {
  if (name === 'params') return { ...scope.params };
  if (name === 'env') return { ...scope.env };
  if (name === 'scm') return { call: 'scm', positional: [], named: {} };
  const value = scope.env[name] ?? scope.params[name];
  if (value !== undefined) return value;
  throw new ScriptError(
    `groovy.lang.MissingPropertyException: No such property: ${name} for class: groovy.lang.Binding`,
  );
}

function evaluateSource(source: string, scope: Scope): Value {
  const stream = new TokenStream(tokenize(source).filter((token) => token.type !== 'newline'));
  const expr = parseExpression(stream);
  if (stream.peek().type !== 'eof') throw unexpected(stream.peek(), 'the end of the expression');
  return evaluate(expr, scope);
}

/** Whether a value is the result of a call (`credentials('id')`, `scmGit(…)`). */
export function isCall(value: Value, name?: string): value is CallValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return (
    typeof value.call === 'string' &&
    Array.isArray(value.positional) &&
    (name === undefined || value.call === name)
  );
}

/** `String.valueOf` as a GString does it. */
export function groovyString(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
