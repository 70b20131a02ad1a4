/** The dashboard's styles: system fonts, no external resource. */
export const DASHBOARD_STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --wait: #9a6700; --muted: #6e7781; }
[hidden] { display: none !important; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem 1.5rem; max-width: 80rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; border-bottom: 1px solid var(--muted); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 0; }
h4 { font-size: .85rem; margin: .6rem 0 .2rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
#revision, .when { color: var(--muted); }
#error { color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 1rem; }
.product { border: 1px solid var(--muted); border-radius: 6px; padding: .75rem; overflow-wrap: anywhere; }
.product header { display: flex; justify-content: space-between; align-items: center; gap: .5rem; }
.badge { border-radius: 1rem; padding: 0 .6rem; color: #fff; font-weight: 600; white-space: nowrap; }
.badge.ready { background: var(--ok); }
.badge.stalled { background: var(--bad); }
.badge.progressing, .badge.unknown { background: var(--wait); }
.why, .when { margin: .3rem 0; }
.blocked { padding-left: 1.1rem; }
.blocked ul { margin: .2rem 0; }
.approvers { margin: .2rem 0; }
.chart .bar.ok { fill: var(--ok); }
.chart .bar.bad { fill: var(--bad); }
.chart .empty { fill: var(--muted); font-size: 11px; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid var(--muted); vertical-align: top; }
td:not(:last-child) { white-space: nowrap; }
td:last-child { font-family: ui-monospace, monospace; font-size: .8rem; overflow-wrap: anywhere; }
dialog label { display: block; margin: .4rem 0; }
dialog input { display: block; width: 20rem; max-width: 100%; }
#approve-said { color: var(--bad); }
`;

/**
 * The page around the script: a frame the script fills (products, audit) and the approval form.
 * It holds no data: whatever comes from the fleet is put in by the script as text.
 */
export function dashboardPage(style: string, script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>codemonkeys — fleet health</title>
<style>${style}</style>
</head>
<body>
<header>
<h1>Fleet health</h1>
<p id="revision">loading…</p>
<p id="error" role="alert"></p>
<p id="notice" role="status"></p>
</header>
<main>
<div id="products"></div>
<section aria-labelledby="audit-title">
<h2 id="audit-title">Recent audit entries</h2>
<table>
<thead><tr><th>#</th><th>at</th><th>type</th><th>product</th><th>actor</th><th>data</th></tr></thead>
<tbody id="audit-rows"></tbody>
</table>
</section>
</main>
<dialog id="approve" aria-labelledby="approve-title">
<form id="approve-form">
<h2 id="approve-title">Approve</h2>
<p id="approve-what"></p>
<label>Approver <input id="by" name="by" list="approvers" required autocomplete="off"></label>
<datalist id="approvers"></datalist>
<label id="token-row">API token <input id="token" name="token" type="password" autocomplete="off"></label>
<p id="token-known" hidden>The API token is kept in this page until it is closed. <button type="button" id="token-forget">Forget it</button></p>
<label>Reason (optional) <input id="reason" name="reason" autocomplete="off"></label>
<p id="approve-said" role="alert"></p>
<button type="submit">Approve</button> <button type="button" id="approve-cancel">Cancel</button>
</form>
</dialog>
<script>${script}</script>
</body>
</html>
`;
}
