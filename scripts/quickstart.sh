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

# acme/core-lib publishes its releases to an npm registry: a Verdaccio on loopback that lives as
# long as this script (its packages are kept in .codemonkeys/registry/ for the next run).
REGISTRY_URL="http://127.0.0.1:4873"
REGISTRY_DIR="examples/quickstart/.codemonkeys/registry"
start_registry() {
  if node -e 'require("net").connect(4873, "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(1))'; then
    echo "quickstart: port 4873 is in use; acme/core-lib publishes to a registry the quickstart starts there: stop what listens on it" >&2
    exit 1
  fi
  mkdir -p "$REGISTRY_DIR"
  rm -f "$REGISTRY_DIR/htpasswd"
  cat > "$REGISTRY_DIR/config.yaml" <<'YAML'
# Written by scripts/quickstart.sh: an npm registry for the quickstart, offline (no uplinks).
storage: ./storage
auth:
  htpasswd:
    file: ./htpasswd
uplinks: {}
packages:
  '**':
    access: $all
    publish: $authenticated
log: { type: stdout, format: pretty, level: warn }
YAML
  node_modules/.bin/verdaccio --config "$REGISTRY_DIR/config.yaml" --listen 127.0.0.1:4873 > "$REGISTRY_DIR/verdaccio.log" 2>&1 &
  REGISTRY_PID=$!
  trap 'kill "$REGISTRY_PID" 2>/dev/null || true' EXIT
  ACME_NPM_TOKEN="$(node dist/quickstart/registry-login.js "$REGISTRY_URL")"
  export ACME_NPM_TOKEN
  echo "quickstart: an npm registry (Verdaccio) listens at $REGISTRY_URL until the quickstart ends"
}
echo; echo "quickstart: starting the npm registry acme/core-lib publishes to"
start_registry

echo; echo "quickstart: codemonkeys release acme/core-lib --dry-run"
cm release acme/core-lib --dry-run

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

echo; echo "quickstart: what the registry holds of @acme/core-lib"
npm view @acme/core-lib versions --json --registry "$REGISTRY_URL" --userconfig /dev/null

echo; echo "quickstart: codemonkeys status"
cm status

echo; echo "quickstart: codemonkeys audit --verify"
cm audit --verify
