import { expect } from 'vitest';
import { CodemonkeysError } from '../../src/errors.js';

/** The error a promise rejects with, checked to be one of ours; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<CodemonkeysError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CodemonkeysError);
    return error as CodemonkeysError;
  }
  throw new Error('expected a rejection');
}
