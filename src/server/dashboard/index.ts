import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_STYLE, dashboardPage } from './page.js';
import { DASHBOARD_SCRIPT } from './script.js';

/** The page, whole: the same bytes for every request, so its CSP names its script and style by hash. */
const PAGE = dashboardPage(DASHBOARD_STYLE, DASHBOARD_SCRIPT);

/**
 * Nothing but the page's own inline script and style (by hash: no nonce to make per request),
 * requests to this server only, no frames, no forms posted by the browser, no base URL.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src '${sha256(DASHBOARD_SCRIPT)}'`,
  `style-src '${sha256(DASHBOARD_STYLE)}'`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /`: the fleet-health page of `codemonkeys watch`, one self-contained HTML document that
 * reads the JSON API (api.ts) from the browser and approves through `POST /api/approvals`.
 */
export function registerDashboard(app: FastifyInstance): void {
  app.get('/', async (_request, reply) =>
    reply
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(PAGE),
  );
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}
