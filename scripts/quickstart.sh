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
code=0
cm reconcile || code=$?

# globex/ledger's storage is `drift: propose`: its infra.apply waits for one of globex's approvers,
# so the first reconcile converges with an action waiting on a person: exit code 2 (0 once nothing
# waits, as when the quickstart ran before). The quickstart plays carol, approves it by the action
# id the plan shows, and reconciles again: every product Ready, exit code 0.
waiting=$(cm plan --format json | node -e '
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
    const plan = JSON.parse(text);
    const waits = plan.actions.filter((a) => a.blockedBy.some((b) => b.type === "awaiting-approval"));
    console.log(waits.filter((a) => a.product === "globex/ledger").map((a) => a.id).join(" "));
  });')
expected=0
if [ -n "$waiting" ]; then expected=2; fi
if [ "$code" -ne "$expected" ]; then
  echo "quickstart: codemonkeys reconcile exited $code, expected $expected" >&2
  exit 1
fi
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
