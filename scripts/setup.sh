#!/usr/bin/env bash
# Installs what a fresh machine lacks for Code Monkeys Ship, and nothing it already has.
# Idempotent: a second run on a ready machine only checks, in a second or two.
#   system tools (Debian packages): git, ansible-core, chromium, mkdocs, and for the publish
#     playbooks' tests: twine, skopeo, docker-registry (a container registry)
#   OpenTofu, built from its Go module at a pinned release, cached outside the repo
#   the hashicorp/local provider, built from its Go module into a filesystem mirror for offline use
#   pypiserver (a PyPI index) with passlib, pinned, in a venv cached outside the repo
#   npm packages (npm ci, only when node_modules is missing or older than the lock)
set -euo pipefail

TOFU_VERSION="${CODEMONKEYS_TOFU_VERSION:-v1.12.6}"
TOOLS_DIR="${CODEMONKEYS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/codemonkeys/tools}"
PROVIDER_MIRROR="${CODEMONKEYS_TOFU_PROVIDER_MIRROR:-$TOOLS_DIR/tofu-providers}"
# hashicorp/local's v2 tags are no Go module versions (its go.mod has no /v2 suffix and declares
# github.com/terraform-providers/terraform-provider-local), so the Go module proxy serves it only
# as a pseudo-version: this one is main at 9068a4b, whose version/VERSION says 2.9.0.
LOCAL_PROVIDER_MODULE="github.com/hashicorp/terraform-provider-local"
LOCAL_PROVIDER_PSEUDO="v1.4.1-0.20260806152022-9068a4b7aa37"
LOCAL_PROVIDER_VERSION="2.9.0"
# test/helpers/registries/pypiserver.ts looks for the venv at the same path, with the same version.
PYPISERVER_VERSION="2.4.2"
PASSLIB_VERSION="1.7.4"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root to run: $*"; return 1
  fi
}

install_debian_packages() {
  local missing=()
  command -v git >/dev/null 2>&1 || missing+=(git)
  command -v ansible-playbook >/dev/null 2>&1 || missing+=(ansible-core)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v mkdocs >/dev/null 2>&1 || missing+=(mkdocs)
  command -v twine >/dev/null 2>&1 || missing+=(twine)
  command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
  [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
  # pypiserver's venv needs ensurepip, which Debian's python3 has only with python3-venv.
  command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  if [ ${#missing[@]} -eq 0 ]; then say "system tools present"; return 0; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing ${missing[*]} and no apt-get: install them with your package manager"; return 1
  fi
  say "installing ${missing[*]} (Debian packages)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# OpenTofu's go.mod has a replace directive, so `go install …@version` refuses it; a wrapper
# module that requires it and repeats the replace builds the same binary.
build_tofu() {
  local dest="$TOOLS_DIR/tofu-$TOFU_VERSION"
  if [ -x "$dest/tofu" ]; then say "tofu $TOFU_VERSION cached at $dest/tofu"; link_tofu "$dest/tofu"; return 0; fi
  command -v go >/dev/null 2>&1 || { say "go is needed to build OpenTofu $TOFU_VERSION"; return 1; }
  say "building OpenTofu $TOFU_VERSION from its Go module (a few minutes, once)"
  local work; work="$(mktemp -d)"
  # The replace lines come from OpenTofu's own go.mod, fetched like any module by the go command.
  local gomod replace
  gomod="$(cd "$work" && go mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  replace="$(grep -E '^replace ' "$gomod" || true)"
  printf 'module codemonkeys.dev/tofu-build\n\ngo 1.26\n\nrequire github.com/opentofu/opentofu %s\n\n%s\n' \
    "$TOFU_VERSION" "$replace" > "$work/go.mod"
  mkdir -p "$dest.tmp"
  (cd "$work" && go get "github.com/opentofu/opentofu/cmd/tofu@$TOFU_VERSION" >/dev/null 2>&1 \
      && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$dest.tmp/tofu" github.com/opentofu/opentofu/cmd/tofu) \
    || { rm -rf "$work" "$dest.tmp"; say "building OpenTofu failed: the Go module proxy must serve github.com/opentofu/opentofu@$TOFU_VERSION and its dependencies"; return 1; }
  rm -rf "$work" "$dest" && mv "$dest.tmp" "$dest"
  link_tofu "$dest/tofu"
  say "built $(TF_CLI_CONFIG_FILE=/dev/null "$dest/tofu" version | head -1)"
}

# Put tofu on PATH for everyone when we may; codemonkeys also finds it in the cache by itself.
link_tofu() {
  local bin="$1"
  if command -v tofu >/dev/null 2>&1 && [ "$(readlink -f "$(command -v tofu)")" = "$(readlink -f "$bin")" ]; then return 0; fi
  if [ -w /usr/local/bin ]; then ln -sf "$bin" /usr/local/bin/tofu; fi
}

# OpenTofu installs providers from a filesystem mirror without any registry when the CLI
# configuration says so (codemonkeys writes its own): <mirror>/<host>/<namespace>/<type>/<version>/<os_arch>/.
# Built in the module's own directory, so its go.mod and go.sum decide every dependency.
build_local_provider() {
  command -v go >/dev/null 2>&1 || { say "go is needed to build the hashicorp/local provider"; return 1; }
  local platform dir bin
  platform="$(go env GOOS)_$(go env GOARCH)"
  dir="$PROVIDER_MIRROR/registry.opentofu.org/hashicorp/local/$LOCAL_PROVIDER_VERSION/$platform"
  bin="$dir/terraform-provider-local_v$LOCAL_PROVIDER_VERSION"
  if [ -x "$bin" ]; then say "hashicorp/local $LOCAL_PROVIDER_VERSION mirrored at $PROVIDER_MIRROR"; return 0; fi
  say "building the hashicorp/local provider $LOCAL_PROVIDER_VERSION from its Go module (a minute, once)"
  local work src
  work="$(mktemp -d)"
  src="$(cd "$work" && go mod download -json "$LOCAL_PROVIDER_MODULE@$LOCAL_PROVIDER_PSEUDO" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  rm -rf "$work"
  mkdir -p "$dir"
  if [ -z "$src" ] || ! (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin.tmp" .); then
    rm -f "$bin.tmp"
    say "building hashicorp/local failed: the Go module proxy must serve $LOCAL_PROVIDER_MODULE@$LOCAL_PROVIDER_PSEUDO and its dependencies"
    return 1
  fi
  mv "$bin.tmp" "$bin"
  say "mirrored hashicorp/local $LOCAL_PROVIDER_VERSION at $PROVIDER_MIRROR"
}

# pypiserver comes from PyPI (Debian has none), in a venv of its own; passlib reads and writes
# the htpasswd file its upload auth uses. Present means the venv imports both.
install_pypiserver() {
  local dest="$TOOLS_DIR/pypiserver-$PYPISERVER_VERSION"
  if "$dest/bin/python" -c 'import passlib, pypiserver' >/dev/null 2>&1; then
    say "pypiserver $PYPISERVER_VERSION present at $dest"; return 0
  fi
  command -v python3 >/dev/null 2>&1 || { say "python3 is needed to install pypiserver"; return 1; }
  say "installing pypiserver $PYPISERVER_VERSION and passlib $PASSLIB_VERSION from PyPI into $dest"
  rm -rf "$dest"
  mkdir -p "$TOOLS_DIR"
  if ! python3 -m venv "$dest" \
    || ! "$dest/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      "pypiserver==$PYPISERVER_VERSION" "passlib==$PASSLIB_VERSION"; then
    rm -rf "$dest"
    say "installing pypiserver failed: python3 -m venv must work and PyPI must serve pypiserver==$PYPISERVER_VERSION and passlib==$PASSLIB_VERSION"
    return 1
  fi
  say "installed pypiserver $("$dest/bin/pypi-server" --version) at $dest"
}

install_npm_packages() {
  cd "$ROOT"
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    say "npm packages present"; return 0
  fi
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
}

main() {
  local only="${1:-all}"
  case "$only" in
    all) install_debian_packages; build_tofu; build_local_provider; install_pypiserver; install_npm_packages ;;
    system) install_debian_packages ;;
    tofu) build_tofu; build_local_provider ;;
    pypiserver) install_pypiserver ;;
    npm) install_npm_packages ;;
    *) say "usage: setup.sh [all|system|tofu|pypiserver|npm]"; return 2 ;;
  esac
}

main "$@"
