// Product and page names become URL-safe slugs the same way everywhere at Acme.

const MAX_LENGTH = 63;

/** "Widget Status Page!" -> "widget-status-page": lowercase ASCII letters, digits and '-'. */
export function slugify(text) {
  const slug = String(text)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.slice(0, MAX_LENGTH).replace(/-+$/, '');
}
