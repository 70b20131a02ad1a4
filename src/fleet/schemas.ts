import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { PACKAGE_ROOT } from '../paths.js';
import type { ManifestKind } from './model.js';

/** Folder of the JSON Schemas, shipped with the package beside dist/. */
export const SCHEMA_DIR = pathToFileURL(join(PACKAGE_ROOT, 'schemas/'));

/** The schema file of each manifest kind (and the shared definitions they refer to). */
export const SCHEMA_FILES: Readonly<Record<ManifestKind | 'common' | 'PolicyTest', string>> = {
  common: 'common.schema.json',
  Fleet: 'fleet.schema.json',
  Constitution: 'constitution.schema.json',
  Product: 'product.schema.json',
  PolicyTest: 'policy-test.schema.json',
};

export const MANIFEST_KINDS: readonly ManifestKind[] = ['Fleet', 'Constitution', 'Product'];

export type SchemaObject = Record<string, unknown>;

/** Reads one schema file as JSON. */
export function readSchema(file: string): SchemaObject {
  return JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as SchemaObject;
}

/** A fresh ajv for our schemas: draft 2020-12, every error, strict about the schemas themselves. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  // The annotations our error messages use; editors ignore them.
  ajv.addVocabulary(['x-expected', 'x-secret']);
  // ajv-formats is CommonJS: under NodeNext its plugin is the module's default export.
  ajvFormats.default.default(ajv, ['date-time', 'uri']);
  for (const file of Object.values(SCHEMA_FILES)) ajv.addSchema(readSchema(file));
  return ajv;
}

let validators: Map<ManifestKind, ValidateFunction> | undefined;

/** The compiled validator of each kind, compiled once per process. */
export function validatorFor(kind: ManifestKind): ValidateFunction {
  if (!validators) {
    const ajv = createAjv();
    validators = new Map();
    for (const each of MANIFEST_KINDS) {
      const id = (readSchema(SCHEMA_FILES[each]) as { $id: string }).$id;
      const validate = ajv.getSchema(id);
      if (!validate) throw new Error(`schema ${SCHEMA_FILES[each]} did not compile`);
      validators.set(each, validate);
    }
  }
  const validate = validators.get(kind);
  if (!validate) throw new Error(`no schema for kind ${kind}`);
  return validate;
}

/** Validates a manifest value against its kind's schema; returns ajv's errors (empty when valid). */
export function schemaErrors(kind: ManifestKind, value: unknown): ErrorObject[] {
  const validate = validatorFor(kind);
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
