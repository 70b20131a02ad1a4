import type { ParameterDefinition } from '../config-xml.js';
import { evaluateCall, groovyString } from './expressions.js';
import { CompileError } from './lexer.js';
import type { Step } from './model.js';

const CLASSES: Record<string, string> = {
  string: 'hudson.model.StringParameterDefinition',
  text: 'hudson.model.TextParameterDefinition',
  booleanParam: 'hudson.model.BooleanParameterDefinition',
  choice: 'hudson.model.ChoiceParameterDefinition',
  password: 'hudson.model.PasswordParameterDefinition',
};

/**
 * The job parameters a declarative `parameters { … }` block defines. Declarative applies them to
 * the job as it runs (jenkinsci/pipeline-model-definition-plugin, the declarative job property
 * tracking), so they exist from the next build on; the build that declared them ran without them.
 * A parameter type the emulator does not know is a compile error, as Declarative's validator reports it.
 */
export function declaredParameters(steps: Step[]): ParameterDefinition[] {
  const definitions: ParameterDefinition[] = [];
  for (const step of steps) {
    const className = CLASSES[step.name];
    if (!className) {
      const valid = Object.keys(CLASSES).join(', ');
      throw new CompileError(
        `Invalid parameter type "${step.name}". Valid parameter types: [${valid}]`,
        step.line,
        step.column,
      );
    }
    const args = evaluateCall(step.name, step.args, { params: {}, env: {} });
    const name = groovyString(args.named.name ?? null);
    let defaultValue = args.named.defaultValue ?? (step.name === 'booleanParam' ? false : '');
    if (step.name === 'choice') {
      const choices = args.named.choices;
      const list = Array.isArray(choices) ? choices : groovyString(choices ?? '').split('\n');
      defaultValue = list[0] ?? '';
    }
    const description = args.named.description;
    definitions.push({
      className,
      name,
      defaultValue: groovyString(defaultValue),
      description: typeof description === 'string' ? description : '',
    });
  }
  return definitions;
}
