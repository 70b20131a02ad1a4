import type { ValidateFunction } from 'ajv';
import type { Fleet } from '../fleet/model.js';
import { isError, type Problem, sortProblems } from '../fleet/problems.js';
import { problemsFromSchemaErrors } from '../fleet/schema-errors.js';
import { createAjv, readSchema } from '../fleet/schemas.js';
import { suggest } from '../fleet/suggest.js';
import { type ParsedYaml, parseManifestYaml } from '../fleet/yaml.js';
import {
  compareOutcome,
  type PolicyExpectation,
  type PolicyMismatch,
  type PolicyOutcome,
  type PolicyTestCase,
  runPolicyCase,
} from './policy-case.js';

/** The schema file of `kind: PolicyTest`. */
export const POLICY_TEST_SCHEMA_FILE = 'policy-test.schema.json';

/** A policy test file that validated: its cases, and a way to point into it. */
export interface PolicyTestFile {
  file: string;
  /** `metadata.name`. */
  name: string;
  cases: PolicyTestCase[];
  parsed: ParsedYaml;
}

/** The result of one case. */
export interface PolicyCaseResult {
  file: string;
  line: number;
  column: number;
  /** `<metadata.name>/<case name>`: what `--run` matches. */
  id: string;
  passed: boolean;
  expected: PolicyExpectation;
  actual: PolicyOutcome;
  /** The expected fields that differ; empty when the case passed. */
  mismatches: PolicyMismatch[];
}

/** Every policy test of a fleet run against its constitution. */
export interface PolicyTestReport {
  /** The policy test files read. */
  files: string[];
  /** Malformed files and cases that cannot run (an unknown product), located. */
  problems: Problem[];
  results: PolicyCaseResult[];
  passed: number;
  failed: number;
  /** Cases left out by the `run` filter. */
  skipped: number;
}

let validator: ValidateFunction | undefined;

function validatePolicyTest(): ValidateFunction {
  if (!validator) {
    const ajv = createAjv();
    const schema = readSchema(POLICY_TEST_SCHEMA_FILE);
    const id = String(schema.$id);
    // createAjv adds the manifest schemas; this one too, once it is listed in SCHEMA_FILES.
    if (!ajv.getSchema(id)) ajv.addSchema(schema);
    const compiled = ajv.getSchema(id);
    if (!compiled) throw new Error(`schema ${POLICY_TEST_SCHEMA_FILE} did not compile`);
    validator = compiled;
  }
  return validator;
}

/** Parses and validates policy test files; every problem of every file is collected. */
export function parsePolicyTests(files: ReadonlyMap<string, string>): {
  tests: PolicyTestFile[];
  problems: Problem[];
} {
  const tests: PolicyTestFile[] = [];
  const problems: Problem[] = [];
  for (const [file, text] of files) {
    const outcome = parseManifestYaml(file, text);
    if (!outcome.ok) {
      problems.push(...outcome.problems);
      continue;
    }
    const validate = validatePolicyTest();
    if (!validate(outcome.parsed.value)) {
      problems.push(...problemsFromSchemaErrors(outcome.parsed, [...(validate.errors ?? [])]));
      continue;
    }
    const value = outcome.parsed.value as { metadata: { name: string }; spec: { cases: PolicyTestCase[] } };
    const duplicates = duplicateCaseProblems(outcome.parsed, value.spec.cases);
    problems.push(...duplicates);
    if (duplicates.length > 0) continue;
    tests.push({ file, name: value.metadata.name, cases: value.spec.cases, parsed: outcome.parsed });
  }
  return { tests, problems: sortProblems(problems) };
}

function duplicateCaseProblems(parsed: ParsedYaml, cases: PolicyTestCase[]): Problem[] {
  const first = new Map<string, number>();
  const problems: Problem[] = [];
  cases.forEach((testCase, index) => {
    const earlier = first.get(testCase.name);
    if (earlier === undefined) {
      first.set(testCase.name, index);
      return;
    }
    const pointer = `/spec/cases/${index}/name`;
    problems.push({
      severity: 'error',
      code: 'duplicate-case',
      file: parsed.file,
      ...parsed.locate(pointer),
      pointer,
      message: `case name '${testCase.name}' is used twice in this file; first at line ${parsed.locate(`/spec/cases/${earlier}/name`).line}`,
    });
  });
  return problems;
}

/**
 * Runs every case of the policy test files against the fleet's constitution, products and orgs,
 * like `opa test`. Cases whose `<test>/<case>` id does not match `run` are skipped. A malformed
 * file, or a case naming a product the fleet does not have, is a located problem, not a result.
 */
export function runPolicyTests(
  fleet: Fleet,
  files: ReadonlyMap<string, string>,
  options: { run?: RegExp } = {},
): PolicyTestReport {
  const { tests, problems } = parsePolicyTests(files);
  const results: PolicyCaseResult[] = [];
  let skipped = 0;
  for (const test of tests) {
    test.cases.forEach((testCase, index) => {
      const id = `${test.name}/${testCase.name}`;
      if (options.run && !options.run.test(id)) {
        skipped++;
        return;
      }
      const productProblem = unknownProductProblem(fleet, test, index);
      if (productProblem) {
        problems.push(productProblem);
        return;
      }
      const actual = runPolicyCase(fleet, testCase);
      const mismatches = compareOutcome(testCase.expect, actual);
      const where = test.parsed.locate(`/spec/cases/${index}`);
      results.push({
        file: test.file,
        ...where,
        id,
        passed: mismatches.length === 0,
        expected: testCase.expect,
        actual,
        mismatches,
      });
    });
  }
  const passed = results.filter((result) => result.passed).length;
  return {
    files: [...files.keys()],
    problems: sortProblems(problems),
    results,
    passed,
    failed: results.length - passed,
    skipped,
  };
}

/** True when the report has no failed case and no error. */
export function policyTestsPassed(report: PolicyTestReport): boolean {
  return report.failed === 0 && !report.problems.some(isError);
}

function unknownProductProblem(fleet: Fleet, test: PolicyTestFile, index: number): Problem | undefined {
  const product = test.cases[index]?.action.product ?? '';
  if (fleet.products.has(product)) return undefined;
  const ids = [...fleet.products.keys()];
  const hint = suggest(product, ids);
  const pointer = `/spec/cases/${index}/action/product`;
  return {
    severity: 'error',
    code: 'unknown-product',
    file: test.file,
    ...test.parsed.locate(pointer),
    pointer,
    message: `product '${product}' is not in the fleet${hint ? ` (did you mean '${hint}'?)` : ''}`,
    expected: ids.length > 0 ? `one of ${ids.join(', ')}` : 'a product of the fleet',
    found: product,
  };
}
