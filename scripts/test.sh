#!/usr/bin/env bash
# The one test command (`npm test`, and what .ci/run runs): makes sure what the tests need is here
# (dependencies, PostgreSQL, Debian's chromium), builds, lints, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing dependencies"
  # npm install, not npm ci: this npm writes lock files without other platforms' optional packages
  # (Biome's binaries) and then refuses them in `npm ci`; install still keeps the locked versions.
  npm install --no-audit --no-fund
fi

log "PostgreSQL"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then echo "PostgreSQL is not installed (needed on 127.0.0.1:5432)" >&2; exit 1; fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }

log "chromium"
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
[ -x /usr/bin/chromium ] || { echo "Debian's chromium is missing and could not be installed" >&2; exit 1; }

log "Go and Python (the other SDKs)"
if ! command -v go >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq golang-go >/dev/null
fi
command -v go >/dev/null || { echo "Debian's golang-go is missing and could not be installed" >&2; exit 1; }
python=python3
if ! python3 -c 'import cryptography' 2>/dev/null; then
  if ! /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-cryptography >/dev/null
  fi
  python=/usr/bin/python3
fi
"$python" -c 'import cryptography' || { echo "python3-cryptography is missing and could not be installed" >&2; exit 1; }

log "build"
npm run build

log "lint"
npm run lint

log "tests: the Go and Python SDKs on the conformance vectors"
(cd sdks/go && go vet ./... && go test ./...)
(cd sdks/python && "$python" -m unittest discover -s tests)

log "tests"
npx vitest run
