import type { GatedAction } from '../../actions/action.js';
import { terminalSafe } from '../../util/terminal-safe.js';
import type { Plan } from '../plan-model.js';
import type { PullRequestView } from '../pr-view.js';
import { BudgetedMarkdown, COMMENT_LIMIT, cell } from './budget.js';
import { describeBlocker, describeVerdict, hardBlockers } from './words.js';

const NOTE_RESERVE = 600;

/** One pull-request comment: summary table first, what needs a person prominent, details collapsed. */
export function renderPullRequestMarkdown(
  view: PullRequestView,
  labels: { base: string; head: string },
  limit = COMMENT_LIMIT,
): string {
  const doc = new BudgetedMarkdown(limit - NOTE_RESERVE);
  const short = (rev: string | null, label: string) => `\`${rev ? rev.slice(0, 8) : label}\``;
  doc.add(
    `## Code Monkeys Ship plan: ${short(view.base.revision, labels.base)} → ${short(view.head.revision, labels.head)}\n\n`,
  );
  const headErrors = view.head.result.problems.filter((problem) => problem.severity === 'error');
  if (headErrors.length > 0) {
    doc.add(
      `> [!CAUTION]\n> **The fleet repo at head is invalid** (${headErrors.length} error${headErrors.length === 1 ? '' : 's'}): it will not be acted on.\n\n`,
    );
    doc.table(
      '| file | line | problem |\n|---|---|---|\n',
      headErrors.map((p) => `| \`${cell(p.file)}\` | ${p.line}:${p.column} | ${cell(p.message)} |\n`),
      '',
      '\n',
    );
  }
  const plan = view.headPlan;
  if (plan) addAttention(doc, plan);
  const c = view.comparison;
  const count = (p: Plan | undefined, f: (a: GatedAction) => boolean) =>
    p ? String(p.actions.filter(f).length) : '–';
  doc.add('| | base | head |\n|---|---|---|\n');
  doc.add(`| actions | ${count(view.basePlan, () => true)} | ${count(plan, () => true)} |\n`);
  doc.add(`| denied | ${count(view.basePlan, isDenied)} | ${count(plan, isDenied)} |\n`);
  doc.add(`| awaiting approval | ${count(view.basePlan, isAwaiting)} | ${count(plan, isAwaiting)} |\n`);
  doc.add(
    `| products | ${view.base.result.fleet?.products.size ?? '–'} | ${view.head.result.fleet?.products.size ?? '–'} |\n\n`,
  );
  doc.add(
    `**Actions:** ${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed, ${c.unchanged} unchanged. **Manifests:** ${view.manifests.length} changed.\n\n`,
  );
  if (view.constitution.changed) {
    const k = view.constitution;
    const parts = [
      k.rulesAdded.length ? `rules added: ${k.rulesAdded.map(code).join(', ')}` : '',
      k.rulesRemoved.length ? `rules removed: ${k.rulesRemoved.map(code).join(', ')}` : '',
      k.rulesChanged.length ? `rules changed: ${k.rulesChanged.map(code).join(', ')}` : '',
      k.defaultEffect ? `default effect ${k.defaultEffect.base} → ${k.defaultEffect.head}` : '',
      k.exceptionsChanged ? 'exceptions changed' : '',
    ].filter(Boolean);
    doc.add(
      `> [!WARNING]\n> **The constitution changes** in this pull request: ${parts.join('; ') || 'wording only'}. Review it as policy.\n\n`,
    );
  }
  details(
    doc,
    `Manifests changed (${view.manifests.length})`,
    '| change | file | what |\n|---|---|---|\n',
    view.manifests.map((m) => `| ${m.change} | \`${cell(m.file)}\` | ${cell(m.what)} |\n`),
  );
  details(doc, `Actions added (${c.added.length})`, ACTION_HEADER, c.added.map(actionRow));
  details(doc, `Actions removed (${c.removed.length})`, ACTION_HEADER, c.removed.map(actionRow));
  details(
    doc,
    `Actions changed (${c.changed.length})`,
    '| action | product | base | head |\n|---|---|---|---|\n',
    c.changed.map(
      ({ base, head }) =>
        `| ${code(head.kind)} | ${cell(head.product)} | ${cell(describeVerdict(base))} | ${cell(describeVerdict(head))} |\n`,
    ),
  );
  if (plan)
    details(
      doc,
      `Full plan at head (${plan.actions.length} actions)`,
      ACTION_HEADER,
      plan.actions.map(actionRow),
    );
  if (plan) addReleaseNotes(doc, plan);
  return finish(doc, plan, limit, `codemonkeys plan --base ${labels.base} --head ${labels.head}`);
}

/** One plan as Markdown, for `plan --format markdown`. */
export function renderPlanMarkdown(plan: Plan, limit = COMMENT_LIMIT): string {
  const doc = new BudgetedMarkdown(limit - NOTE_RESERVE);
  doc.add(
    `## Code Monkeys Ship plan${plan.fleet.revision ? ` at \`${plan.fleet.revision.slice(0, 8)}\`` : ''}\n\n`,
  );
  if (plan.dryRun) doc.add('> Dry run: observed, planned and gated; nothing was executed.\n\n');
  addAttention(doc, plan);
  const s = plan.summary;
  doc.add(
    '| actions | runnable | blocked | allow | warn | require-approval | deny | orphaned |\n|---|---|---|---|---|---|---|---|\n',
  );
  doc.add(
    `| ${s.actions} | ${s.runnable} | ${s.blocked} | ${s.byEffect.allow} | ${s.byEffect.warn} | ${s.byEffect['require-approval']} | ${s.byEffect.deny} | ${s.orphans} |\n\n`,
  );
  details(doc, `Actions (${plan.actions.length})`, ACTION_HEADER, plan.actions.map(actionRow));
  addReleaseNotes(doc, plan);
  return finish(doc, plan, limit, 'codemonkeys plan --format text');
}

const ACTION_HEADER = '| action | product | id | verdict | why |\n|---|---|---|---|---|\n';

function actionRow(action: GatedAction): string {
  const blockers = hardBlockers(action).map((blocker) => describeBlocker(blocker));
  const why = [action.reason, ...blockers].join('; ');
  return `| ${code(action.kind)} | ${cell(action.product)} | \`${action.id}\` | ${cell(describeVerdict(action))} | ${cell(why)} |\n`;
}

/** Denied and approval-needing actions, never collapsed. */
function addAttention(doc: BudgetedMarkdown, plan: Plan): void {
  const denied = plan.actions.filter(isDenied);
  const awaiting = plan.actions.filter(isAwaiting);
  if (denied.length > 0) {
    doc.table(
      `### ⛔ Denied (${denied.length})\n\n| action | product | rules | message |\n|---|---|---|---|\n`,
      denied.map(
        (a) =>
          `| ${code(a.kind)} | ${cell(a.product)} | ${a.verdict.rules.map(code).join(', ')} | ${cell(a.verdict.messages.join(' ') || '–')} |\n`,
      ),
      '',
      '\n',
    );
  }
  if (awaiting.length > 0) {
    doc.table(
      `### ⏳ Awaiting approval (${awaiting.length})\n\nApprove with \`codemonkeys approve <id> --by <you>\`, or the whole plan with \`codemonkeys approve ${plan.id.slice(0, 16)} --by <you>\`.\n\n| action | product | id | approvers | rules |\n|---|---|---|---|---|\n`,
      awaiting.map(
        (a) =>
          `| ${code(a.kind)} | ${cell(a.product)} | \`${a.id}\` | ${cell(a.verdict.approvers.join(', ') || 'org approvers')} | ${a.verdict.rules.map(code).join(', ')} |\n`,
      ),
      '',
      '\n',
    );
  }
}

/** The notes of each release the plan cuts, for the reviewer: quoted, nothing in them read as markup. */
function addReleaseNotes(doc: BudgetedMarkdown, plan: Plan): void {
  const cuts = plan.actions.filter((action) => action.kind === 'release.cut');
  if (cuts.length === 0) return;
  doc.table(
    `### Releases (${cuts.length})\n\n`,
    cuts.map(
      (action) =>
        `<details><summary>${cell(action.product)} ${cell(String(action.params.version))}: release notes</summary>\n\n${quoted(String(action.params.notes ?? ''))}\n</details>\n\n`,
    ),
    '',
    '',
  );
}

/**
 * Text as a Markdown quote whose HTML is shown, not rendered (a commit subject with `</details>`);
 * the notes escape their own `<` and `>` already, entities left as they are.
 */
function quoted(text: string): string {
  const escaped = text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped
    .trimEnd()
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
}

function details(doc: BudgetedMarkdown, summary: string, header: string, rows: string[]): void {
  if (rows.length === 0) return;
  doc.table(header, rows, `<details><summary>${cell(summary)}</summary>\n\n`, '\n</details>\n\n');
}

function finish(doc: BudgetedMarkdown, plan: Plan | undefined, limit: number, command: string): string {
  let text = doc.toString();
  if (doc.omittedRows > 0) {
    text += `\n> [!NOTE]\n> Truncated: ${doc.omittedRows} row${doc.omittedRows === 1 ? '' : 's'} not shown, to keep this comment under ${limit.toLocaleString('en-US')} characters. Run \`${command}\` for all of it.\n`;
  }
  if (plan)
    text += `\n<sub>plan \`${plan.id.slice(0, 16)}\` · constitution \`${plan.constitutionRevision}\` · ${plan.createdAt}</sub>\n`;
  // Cells and code spans are escaped where they are made; this also covers the revisions as typed.
  return terminalSafe(text, { multiline: true });
}

function isDenied(action: GatedAction): boolean {
  return action.blockedBy.some((blocker) => blocker.type === 'denied');
}

function isAwaiting(action: GatedAction): boolean {
  return action.blockedBy.some((blocker) => blocker.type === 'awaiting-approval');
}

function code(text: string): string {
  return `\`${terminalSafe(text.replace(/`/g, "'"))}\``;
}
