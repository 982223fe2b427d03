#!/usr/bin/env bash
# Runs one of the deployment checks (kong, k8s, compose) with this folder's own dependencies,
# installed from its lockfile on first use or when the lockfile changed. Extra arguments go to the
# check (a config file or overlay to check instead of the repository's).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
check="${1:?usage: run.sh kong|k8s|compose [path…]}"
shift
if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
exec "$here/../../node_modules/.bin/tsx" "$here/$check-check.ts" "$@"
