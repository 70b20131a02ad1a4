#!/usr/bin/env bash
# npm run quickstart: install what is missing, build, and run the reconciler's main job on
# examples/quickstart, whose product repositories are created here, deterministically.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
echo "quickstart: building"
npm run --silent build

cm() { node dist/cli/main.js --fleet examples/quickstart "$@"; }

echo "quickstart: creating the example product repositories"
node dist/quickstart/seed.js examples/quickstart

echo; echo "quickstart: codemonkeys doctor"
cm doctor

echo; echo "quickstart: codemonkeys validate"
cm validate

echo; echo "quickstart: codemonkeys constitution test"
cm constitution test

echo; echo "quickstart: codemonkeys reconcile --dry-run"
cm reconcile --dry-run

echo; echo "quickstart: codemonkeys reconcile"
cm reconcile

# globex/ledger's storage is `drift: propose`: its infra.apply waits for one of globex's approvers.
# The quickstart plays carol, approves it by the action id the plan shows, and reconciles again.
waiting=$(cm plan --format json | node -e '
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
    const plan = JSON.parse(text);
    const waits = plan.actions.filter((a) => a.blockedBy.some((b) => b.type === "awaiting-approval"));
    console.log(waits.filter((a) => a.product === "globex/ledger").map((a) => a.id).join(" "));
  });')
for id in $waiting; do
  echo; echo "quickstart: codemonkeys approve $id --by carol   (globex/ledger's proposed storage)"
  cm approve "$id" --by carol --reason "quickstart: the ledger's storage, as proposed"
  echo; echo "quickstart: codemonkeys reconcile (after the approval)"
  cm reconcile
done

echo; echo "quickstart: codemonkeys status"
cm status

echo; echo "quickstart: codemonkeys audit --verify"
cm audit --verify
