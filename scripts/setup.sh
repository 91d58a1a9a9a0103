#!/usr/bin/env bash
# Installs what the packing station needs: Debian libraries for WeasyPrint (and, with
# --test, Chromium, poppler and Redis for the test suite), then a virtualenv with the pinned
# Python packages. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
requirements=requirements.txt
if [[ "${1:-}" == "--test" ]]; then
  debs+=(chromium poppler-utils redis-server)
  requirements=requirements-test.txt
fi

missing=()
for deb in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
if ((${#missing[@]})); then
  echo "Installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum requirements.txt requirements-test.txt | sha256sum | cut -c1-16)-$requirements"
if [[ ! -f "$stamp" ]]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r "$requirements"
  touch "$stamp"
fi

# The Turkish UI: gettext catalogues compiled from packing/translations/*/LC_MESSAGES/messages.po.
.venv/bin/pybabel -q compile -d packing/translations
