// A status badge is a two-part SVG pill: a grey label and a coloured status.

const COLOURS = { passing: '#2e7d32', failing: '#c62828', unknown: '#757575' };
const CHAR_WIDTH = 7;
const PADDING = 10;

/** The SVG text of a badge such as ("build", "passing"); unknown statuses are grey. */
export function renderBadge(label, status) {
  const left = textWidth(label);
  const right = textWidth(status);
  const colour = COLOURS[status] ?? COLOURS.unknown;
  const total = left + right;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${escapeXml(label)}: ${escapeXml(status)}">`,
    `<rect width="${left}" height="20" fill="#555"/>`,
    `<rect x="${left}" width="${right}" height="20" fill="${colour}"/>`,
    `<g fill="#fff" font-family="Verdana,sans-serif" font-size="11">`,
    `<text x="${PADDING / 2}" y="14">${escapeXml(label)}</text>`,
    `<text x="${left + PADDING / 2}" y="14">${escapeXml(status)}</text>`,
    '</g>',
    '</svg>',
  ].join('');
}

function textWidth(text) {
  return String(text).length * CHAR_WIDTH + PADDING;
}

/** Labels come from service names that users type; they must never break out of the SVG. */
export function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
