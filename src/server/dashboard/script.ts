/**
 * The dashboard's script, run in the browser as it is written here (no build step, no library).
 * It reads `/api/products` and `/api/audit` every few seconds and builds the page with DOM calls
 * only: every value from the API becomes a text node or an attribute value, never markup. The
 * API token typed into the approval form is kept in a variable, never in storage or the URL.
 */
export const DASHBOARD_SCRIPT = `
'use strict';
const REFRESH_MS = 3000;
const AUDIT_SHOWN = 20;
const BUILDS_SHOWN = 20;
const SVG = 'http://www.w3.org/2000/svg';
let token = null;
let approving = null;

const byId = (id) => document.getElementById(id);

function element(make, attributes, children) {
  const node = make();
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  for (const child of children || []) node.append(child);
  return node;
}
const el = (tag, attributes, children) => element(() => document.createElement(tag), attributes, children);
const svg = (tag, attributes, children) => element(() => document.createElementNS(SVG, tag), attributes, children);

function seconds(ms) {
  return ms < 10000 ? (ms / 1000).toFixed(1) + ' s' : Math.round(ms / 1000) + ' s';
}

function readiness(product) {
  const ready = product.conditions.find((c) => c.type === 'Ready');
  const stalled = product.conditions.find((c) => c.type === 'Stalled' && c.status === 'True');
  if (!ready) return { word: 'Unknown', kind: 'unknown', why: 'not reconciled yet' };
  const why = ready.message ? ready.reason + ': ' + ready.message : ready.reason;
  if (ready.status === 'True') return { word: 'Ready', kind: 'ready', why };
  if (stalled) return { word: 'Stalled', kind: 'stalled', why: stalled.reason + ': ' + stalled.message };
  return { word: 'Not ready', kind: 'progressing', why };
}

function chart(product) {
  const builds = product.builds.slice().reverse();
  const width = 240;
  const height = 48;
  const newest = builds[builds.length - 1];
  const label = newest
    ? 'Build durations of ' + product.id + ': ' + (builds.length === 1 ? '1 build' : builds.length + ' builds') + ', the newest ' + newest.state + ' in ' + seconds(newest.durationMs)
    : 'Build durations of ' + product.id + ': no finished builds yet';
  const root = svg('svg', { class: 'chart', viewBox: '0 0 ' + width + ' ' + height, width, height, role: 'img', 'aria-label': label }, [
    svg('title', {}, [label]),
  ]);
  const longest = Math.max(1, ...builds.map((build) => build.durationMs));
  const slot = width / BUILDS_SHOWN;
  builds.forEach((build, index) => {
    const tall = Math.max(2, Math.round((build.durationMs / longest) * (height - 4)));
    const what = build.commit.slice(0, 7) + ' ' + build.state + ' in ' + seconds(build.durationMs) + ', finished ' + build.finishedAt;
    root.append(
      svg('rect', { class: build.state === 'succeeded' ? 'bar ok' : 'bar bad', x: index * slot + 1, y: height - tall, width: slot - 2, height: tall }, [
        svg('title', {}, [what]),
      ]),
    );
  });
  if (!newest) root.append(svg('text', { x: 4, y: height / 2 + 4, class: 'empty' }, ['no finished builds yet']));
  return root;
}

function blockedItem(product, action) {
  const item = el('li', { 'data-action': action.id }, [
    el('strong', {}, [action.kind]), ' ', el('code', {}, [action.id]), ' — ', action.reason,
    el('ul', {}, [...action.why, ...action.messages.filter((m) => !action.why.some((w) => w.includes(m)))].map((line) => el('li', {}, [line]))),
  ]);
  if (action.approvers.length > 0) {
    item.append(el('p', { class: 'approvers' }, ['may approve: ', action.approvers.join(', ')]));
    const label = action.kind + ' of ' + product.id;
    const button = el('button', { type: 'button', 'aria-label': 'Approve ' + label }, ['Approve']);
    button.addEventListener('click', () => openApproval({ id: action.id, label, approvers: action.approvers }));
    item.append(button);
  }
  return item;
}

function productCard(product) {
  const status = readiness(product);
  const card = el('article', { class: 'product', 'data-product': product.id, 'aria-label': product.id }, [
    el('header', {}, [el('h3', {}, [product.id]), el('span', { class: 'badge ' + status.kind }, [status.word])]),
    el('p', { class: 'why' }, [status.why]),
    el('p', { class: 'when' }, ['last reconcile: ', product.lastReconciledAt || 'not yet']),
  ]);
  if (product.blocked.length > 0) {
    card.append(el('h4', {}, ['Blocked']), el('ul', { class: 'blocked' }, product.blocked.map((action) => blockedItem(product, action))));
  }
  card.append(el('h4', {}, ['Build durations']), chart(product));
  return card;
}

function renderProducts(data) {
  const orgs = new Map();
  for (const product of data.products) {
    if (!orgs.has(product.org)) orgs.set(product.org, []);
    orgs.get(product.org).push(product);
  }
  const sections = [...orgs].map(([org, products]) =>
    el('section', { class: 'org', 'aria-label': 'org ' + org }, [el('h2', {}, [org]), el('div', { class: 'cards' }, products.map(productCard))]),
  );
  byId('products').replaceChildren(...sections);
  const invalid = data.invalidRevision ? ' — a newer revision is invalid and not acted on: ' + data.invalidRevision.message : '';
  byId('revision').textContent = 'fleet revision ' + (data.revision || '(work tree)') + invalid;
}

function renderAudit(entries) {
  const rows = entries
    .slice()
    .reverse()
    .map((entry) =>
      el('tr', {}, [entry.seq, entry.at, entry.type, entry.product || '', entry.actor, JSON.stringify(entry.data)].map((value) => el('td', {}, [String(value)]))),
    );
  byId('audit-rows').replaceChildren(...rows);
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || body.why || response.statusText);
  return body;
}

async function refresh() {
  try {
    const [products, audit] = await Promise.all([getJson('/api/products'), getJson('/api/audit?limit=' + AUDIT_SHOWN)]);
    renderProducts(products);
    renderAudit(audit.entries);
    byId('error').textContent = '';
  } catch (error) {
    byId('error').textContent = 'cannot read the API: ' + error.message;
  }
}

function showTokenField() {
  byId('token-row').hidden = token !== null;
  byId('token-known').hidden = token === null;
}

function openApproval(action) {
  approving = action;
  byId('approve-what').textContent = action.label + ' (' + action.id + ')';
  byId('approvers').replaceChildren(...action.approvers.map((name) => el('option', { value: name })));
  byId('approve-said').textContent = '';
  showTokenField();
  byId('approve').showModal();
}

async function submitApproval(event) {
  event.preventDefault();
  const typed = byId('token').value;
  byId('token').value = '';
  if (typed !== '') token = typed;
  const said = byId('approve-said');
  if (token === null) {
    said.textContent = 'enter the API token (spec.watch.api.token)';
    showTokenField();
    return;
  }
  const body = { target: approving.id, by: byId('by').value.trim() };
  const reason = byId('reason').value.trim();
  if (reason !== '') body.reason = reason;
  try {
    const response = await fetch('/api/approvals', {
      method: 'POST',
      cache: 'no-store',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status === 401) token = null;
    if (response.status === 201) {
      byId('approve').close();
      byId('notice').textContent = 'approved ' + approving.label + ' as ' + body.by;
      void refresh();
    } else {
      said.textContent = 'refused (' + response.status + '): ' + (answer.error || answer.message || response.statusText);
    }
  } catch (error) {
    said.textContent = 'not sent: ' + error.message;
  }
  showTokenField();
}

byId('approve-form').addEventListener('submit', submitApproval);
byId('approve-cancel').addEventListener('click', () => byId('approve').close());
byId('token-forget').addEventListener('click', () => {
  token = null;
  showTokenField();
});
void refresh();
setInterval(refresh, REFRESH_MS);
`;
