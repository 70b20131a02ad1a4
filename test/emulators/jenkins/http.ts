import type { IncomingMessage, ServerResponse } from 'node:http';

/** The Jenkins version the emulator claims, in `X-Jenkins` on every response. */
export const JENKINS_VERSION = '2.479.1';

/** One request as the handlers see it: the body is read, query and form parameters merged. */
export interface EmulatorRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /**
   * Stapler's `req.getParameter()`: the query string, then an `application/x-www-form-urlencoded`
   * body (how `buildWithParameters` takes `P=V`, and where a crumb may travel as a field).
   */
  readonly params: URLSearchParams;
  readonly contentType: string | undefined;
}

/** Reads the whole body and merges query and form parameters, as Stapler's request does. */
export async function readRequest(req: IncomingMessage, root: string): Promise<EmulatorRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', root);
  const params = new URLSearchParams(url.search);
  const contentType = req.headers['content-type'];
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(body.toString('utf8'))) params.append(name, value);
  }
  return { method: req.method ?? 'GET', url, headers: req.headers, body, params, contentType };
}

/**
 * Headers Jenkins adds to every page (`Functions.advertiseHeaders` in jenkinsci/jenkins
 * core/src/main/java/hudson/Functions.java): the version and the instance's session id.
 */
export function commonHeaders(session: string): Record<string, string> {
  return {
    'X-Jenkins': JENKINS_VERSION,
    'X-Hudson': '1.395',
    'X-Jenkins-Session': session,
    'X-Content-Type-Options': 'nosniff',
  };
}

/** Sends a complete response; does nothing once the connection is gone (the emulator went down). */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': String(bytes.length) });
  res.end(bytes);
}

/** An `api/json` answer. */
export function sendJson(res: ServerResponse, text: string): void {
  send(res, 200, text, { 'Content-Type': 'application/json;charset=utf-8' });
}

/** Jetty's error page, which is what `rsp.sendError(status, message)` produces behind Stapler. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  path: string,
  headers: Record<string, string> = {},
): void {
  const reason = REASONS[status] ?? 'Error';
  const html = [
    '<html>',
    '<head>',
    '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
    `<title>Error ${status} ${escapeHtml(message)}</title>`,
    '</head>',
    `<body><h2>HTTP ERROR ${status} ${escapeHtml(reason)}</h2>`,
    '<table>',
    `<tr><th>URI:</th><td>${escapeHtml(path)}</td></tr>`,
    `<tr><th>STATUS:</th><td>${status}</td></tr>`,
    `<tr><th>MESSAGE:</th><td>${escapeHtml(message)}</td></tr>`,
    '<tr><th>SERVLET:</th><td>Stapler</td></tr>',
    '</table>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  send(res, status, html, { 'Content-Type': 'text/html;charset=utf-8', ...headers });
}

/** A page the emulator has no HTML for: enough for a client that only checks the status. */
export function sendPage(res: ServerResponse, title: string): void {
  const html = `<!DOCTYPE html><html><head><title>${escapeHtml(title)} [Jenkins]</title></head><body></body></html>`;
  send(res, 200, html, { 'Content-Type': 'text/html;charset=utf-8' });
}

/** `rsp.sendRedirect(status, url)`: Jetty makes the location absolute. */
export function redirect(res: ServerResponse, status: number, location: string): void {
  send(res, status, '', { Location: location });
}

/** Text made safe to put in an HTML page. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Server Error',
  503: 'Service Unavailable',
};
