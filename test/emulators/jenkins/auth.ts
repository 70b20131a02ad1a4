import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type EmulatorRequest, send, sendError } from './http.js';

/** A Jenkins user: scripted clients authenticate with the API token (or, discouraged, the password). */
export interface JenkinsUser {
  name: string;
  password?: string;
  apiToken: string;
  /**
   * Holds Overall/Administer (default true: the emulator otherwise lets every user do everything).
   * False takes it away where the emulator checks it: the plugin manager's API.
   */
  admin?: boolean;
}

/** Who a request runs as, and how it said so. */
export type Authentication =
  | { kind: 'anonymous' }
  | { kind: 'user'; name: string; via: 'apiToken' | 'password' }
  | { kind: 'invalid'; message: string };

/** The field (header or form parameter) a crumb travels in: DefaultCrumbIssuer's default. */
export const CRUMB_FIELD = 'Jenkins-Crumb';

/**
 * "Authenticating scripted clients"
 * (https://www.jenkins.io/doc/book/system-administration/authenticating-scripted-clients/) and
 * jenkinsci/jenkins core/src/main/java/jenkins/security/BasicHeaderProcessor.java: HTTP Basic
 * with `user:apiToken` (BasicHeaderApiTokenAuthenticator, tried first) or `user:password`
 * (BasicHeaderRealPasswordAuthenticator); no header at all is the anonymous user.
 */
export function authenticate(request: EmulatorRequest, users: readonly JenkinsUser[]): Authentication {
  const header = request.headers.authorization;
  if (!header || !/^basic /i.test(header)) return { kind: 'anonymous' };
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'invalid', message: 'Malformed HTTP basic Authorization header' };
  const name = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const user = users.find((candidate) => candidate.name === name);
  if (user && same(secret, user.apiToken)) return { kind: 'user', name, via: 'apiToken' };
  if (user?.password !== undefined && same(secret, user.password))
    return { kind: 'user', name, via: 'password' };
  return { kind: 'invalid', message: `Invalid password/token for user: ${name}` };
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Wrong credentials: SecurityRealm gives BasicHeaderProcessor a BasicAuthenticationEntryPoint
 * with realm "Jenkins", so a bad Basic header gets 401 and a challenge (not the login redirect).
 */
export function sendBadCredentials(res: ServerResponse, message: string, path: string): void {
  sendError(res, 401, message, path, { 'WWW-Authenticate': 'Basic realm="Jenkins"' });
}

/**
 * Anonymous request without Overall/Read: hudson/security/HudsonAuthenticationEntryPoint.java
 * answers 403 (never 401: "Jenkins does not do any authorization negotiation", says
 * "Authenticating scripted clients") with a page that sends browsers to the login form, and
 * AccessDeniedException3 reports who the caller is and which permission was missing as headers.
 */
export function sendAuthenticationRequired(res: ServerResponse, request: EmulatorRequest): void {
  const from = encodeURIComponent(`${request.url.pathname}${request.url.search}`);
  const login = `/login?from=${from}`;
  const html =
    `<html><head><meta http-equiv='refresh' content='1;url=${login}'/>` +
    `<script>window.location.replace('${login}');</script></head>` +
    "<body style='background-color:white; color:white;'>\n\n\nAuthentication required\n<!--\n-->\n\n</body></html>";
  send(res, 403, html, {
    'Content-Type': 'text/html;charset=utf-8',
    'X-You-Are-Authenticated-As': 'anonymous',
    'X-You-Are-In-Group-Disabled':
      'JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose',
    'X-Required-Permission': 'hudson.model.Hudson.Read',
    'X-Permission-Implied-By': ['hudson.security.Permission.GenericRead', 'hudson.model.Hudson.Administer'],
  });
}

/**
 * An authenticated user without a permission: hudson/security/AccessDeniedHandlerImpl.java
 * answers 403 with the "Access Denied" page, and AccessDeniedException3.reportAsHeaders says who
 * the caller is and which permission was missing (Overall/Administer is implied by nothing).
 */
export function sendAccessDenied(
  res: ServerResponse,
  user: string,
  permission: { title: string; id: string },
  path: string,
): void {
  sendError(res, 403, `${user} is missing the ${permission.title} permission`, path, {
    'X-You-Are-Authenticated-As': user,
    'X-You-Are-In-Group-Disabled':
      'JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose',
    'X-Required-Permission': permission.id,
  });
}

/**
 * DefaultCrumbIssuer (jenkinsci/jenkins core/src/main/java/hudson/security/csrf/DefaultCrumbIssuer.java)
 * hashes the user name, the client address and an instance salt. Real Jenkins also hashes the web
 * session id unless `hudson.security.csrf.DefaultCrumbIssuer.EXCLUDE_SESSION_ID` is set; the
 * emulator behaves as if it were set, so a crumb stays valid without the session cookie.
 */
export function crumbFor(user: string, clientIp: string, salt: string): string {
  return createHash('sha256').update(`${user};${clientIp};${salt}`).digest('hex');
}

/**
 * CSRF protection ("CSRF Protection", https://www.jenkins.io/doc/book/security/csrf-protection/,
 * and core/src/main/java/hudson/security/csrf/CrumbFilter.java): a POST needs a valid crumb in
 * the `Jenkins-Crumb` header or form field, except a request authenticated by an API token
 * (jenkins/security/ApiCrumbExclusion.java, JENKINS-22474, since 2.96). `crumbRequired` is an
 * emulator knob that takes that exemption away, so a client's crumb path can be tested.
 */
export function crumbAccepted(
  request: EmulatorRequest,
  auth: Authentication,
  options: { crumbRequired: boolean; salt: string; clientIp: string },
): boolean {
  if (request.method !== 'POST') return true;
  if (auth.kind === 'user' && auth.via === 'apiToken' && !options.crumbRequired) return true;
  const header = request.headers[CRUMB_FIELD.toLowerCase()];
  const sent = (Array.isArray(header) ? header[0] : header) ?? request.params.get(CRUMB_FIELD);
  if (!sent) return false;
  const name = auth.kind === 'user' ? auth.name : 'anonymous';
  return sent === crumbFor(name, options.clientIp, options.salt);
}
