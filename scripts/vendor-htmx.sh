#!/usr/bin/env bash
# Re-vendor htmx from the npm registry at the pinned version and check its digest.
# The tablets load it from our own server: a store may have no internet but the server.
set -euo pipefail
VERSION=2.0.11
SHA256=d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$VERSION" >/dev/null && tar xzf "htmx.org-$VERSION.tgz")
echo "$SHA256  $work/package/dist/htmx.min.js" | sha256sum -c -
cp "$work/package/dist/htmx.min.js" "static/vendor/htmx-$VERSION.min.js"
