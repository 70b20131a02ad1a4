import { describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../../src/server/webhooks/request.js';
import {
  constantTimeEqual,
  hexSignatureMatches,
  tokenMatches,
  verifyGitea,
  verifyGithub,
  verifyGitlab,
  verifyJenkins,
} from '../../../src/server/webhooks/verify.js';
import { hmacHex, SECRET } from './payloads.js';

const BODY = Buffer.from('{"ref":"refs/heads/main"}');
const SIGNATURE = hmacHex(SECRET, BODY);

function request(
  headers: Record<string, string | string[]>,
  query: Record<string, unknown> = {},
): SignedRequest {
  return { headers, query, body: BODY };
}

describe('comparing in constant time', () => {
  it.each([
    ['equal bytes', 'abcdef', 'abcdef', true],
    ['bytes that differ at the end', 'abcdef', 'abcdeg', false],
    ['a prefix (unequal lengths)', 'abc', 'abcdef', false],
    ['a longer value (unequal lengths)', 'abcdefg', 'abcdef', false],
    ['an empty value', '', 'abcdef', false],
    ['two empty values', '', '', true],
  ])('%s', (_name, a, b, equal) => {
    expect(constantTimeEqual(Buffer.from(a), Buffer.from(b))).toBe(equal);
  });

  it('answers false for unequal lengths instead of throwing as timingSafeEqual does', () => {
    expect(() => constantTimeEqual(Buffer.alloc(31), Buffer.alloc(32))).not.toThrow();
  });
});

describe('checking a hex HMAC-SHA256 signature', () => {
  it.each([
    ['the right signature', SIGNATURE, true],
    ['the right signature in upper case', SIGNATURE.toUpperCase(), true],
    ['the signature of another body', hmacHex(SECRET, 'other'), false],
    ['a signature made with another secret', hmacHex('another-secret', BODY), false],
    ['a signature one digit short', SIGNATURE.slice(0, -1), false],
    ['a signature with a non-hex tail', `${SIGNATURE.slice(0, -2)}zz`, false],
    ['a signature followed by more', `${SIGNATURE}00`, false],
    ['an empty signature', '', false],
    ['no signature', undefined, false],
  ])('%s', (_name, signature, matches) => {
    expect(hexSignatureMatches(SECRET, BODY, signature)).toBe(matches);
  });
});

describe('checking a token sent in clear', () => {
  it.each([
    ['the secret', SECRET, true],
    ['another value of the same length', SECRET.replace(/.$/, 'x'), false],
    ['a prefix of the secret', SECRET.slice(0, 5), false],
    ['the secret and more', `${SECRET}x`, false],
    ['an empty token', '', false],
    ['no token', undefined, false],
  ])('%s', (_name, token, matches) => {
    expect(tokenMatches(SECRET, token)).toBe(matches);
  });
});

describe('authenticating each sender', () => {
  it('GitHub: X-Hub-Signature-256 with its sha256= prefix, and only with it', () => {
    expect(verifyGithub(request({ 'x-hub-signature-256': `sha256=${SIGNATURE}` }), SECRET)).toBe(true);
    expect(verifyGithub(request({ 'x-hub-signature-256': SIGNATURE }), SECRET)).toBe(false);
    expect(verifyGithub(request({ 'x-hub-signature-256': `sha1=${SIGNATURE}` }), SECRET)).toBe(false);
    expect(verifyGithub(request({ 'x-gitea-signature': SIGNATURE }), SECRET)).toBe(false);
  });

  it('GitHub: a signature header sent twice counts as none', () => {
    const twice = [`sha256=${SIGNATURE}`, `sha256=${SIGNATURE}`];
    expect(verifyGithub(request({ 'x-hub-signature-256': twice }), SECRET)).toBe(false);
  });

  it('Gitea: X-Gitea-Signature without a prefix', () => {
    expect(verifyGitea(request({ 'x-gitea-signature': SIGNATURE }), SECRET)).toBe(true);
    expect(verifyGitea(request({ 'x-gitea-signature': `sha256=${SIGNATURE}` }), SECRET)).toBe(false);
    expect(verifyGitea(request({}), SECRET)).toBe(false);
  });

  it('GitLab: X-Gitlab-Token equal to the secret', () => {
    expect(verifyGitlab(request({ 'x-gitlab-token': SECRET }), SECRET)).toBe(true);
    expect(verifyGitlab(request({ 'x-gitlab-token': 'guess' }), SECRET)).toBe(false);
    expect(verifyGitlab(request({}), SECRET)).toBe(false);
  });

  it('Jenkins: the token query parameter, or the X-Codemonkeys-Token header, which wins when present', () => {
    expect(verifyJenkins(request({}, { token: SECRET }), SECRET)).toBe(true);
    expect(verifyJenkins(request({ 'x-codemonkeys-token': SECRET }), SECRET)).toBe(true);
    expect(verifyJenkins(request({ 'x-codemonkeys-token': 'guess' }, { token: SECRET }), SECRET)).toBe(false);
    expect(verifyJenkins(request({}, { token: 'guess' }), SECRET)).toBe(false);
    expect(verifyJenkins(request({}, { token: [SECRET, SECRET] }), SECRET)).toBe(false);
    expect(verifyJenkins(request({}), SECRET)).toBe(false);
  });
});
