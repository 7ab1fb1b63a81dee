#!/usr/bin/env bash
# Everything a fresh Debian machine needs: system packages (Chromium for the
# browser and VS Code tests, ripgrep and a toolchain for code-server's install,
# PyTorch as the benchmark peer), npm packages, the build, and a local
# code-server for the VS Code tests, and the Python packages of scripts/python/
# in .venv. Safe to run again.
#
#   scripts/setup.sh --bench   also installs the benchmark peers' Python packages
#                              (scripts/python/bench/: PyTorch from PyPI, which
#                              brings its CUDA libraries, several GB) for
#                              bench:trainer and bench:rl-step; CI never needs them.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=(scripts/python/*.txt)
if [ "${1:-}" = "--bench" ]; then requirements+=(scripts/python/bench/*.txt); fi

apt_packages=(chromium ripgrep build-essential python3 python3-venv pkg-config libkrb5-dev python3-torch libopenblas0-pthread)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python packages (pinned) go into the project's own virtual environment, .venv
# (git-ignored): one requirements file per purpose in scripts/python/, each
# installed only when it changed since the last install. A file named
# *.no-deps.txt is installed without its packages' dependencies (pip cannot say
# that per package), for packages whose heavy dependencies no test loads.
existing=()
for req in "${requirements[@]}"; do [ -f "$req" ] && existing+=("$req"); done
if [ ${#existing[@]} -gt 0 ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  # The no-deps files last, so that pip's check of the others does not list their missing dependencies.
  for req in $(printf '%s\n' "${existing[@]}" | grep -v '\.no-deps\.txt$') $(printf '%s\n' "${existing[@]}" | grep '\.no-deps\.txt$'); do
    stamp=".venv/.installed-$(basename "$req")"
    if ! cmp -s "$req" "$stamp"; then
      flags=()
      case "$req" in *.no-deps.txt) flags=(--no-deps) ;; esac
      echo "setup: installing Python packages from $req into .venv"
      .venv/bin/pip install --quiet --disable-pip-version-check "${flags[@]}" -r "$req"
      cp "$req" "$stamp"
    fi
  done
fi

npm ci --no-audit --no-fund
npm run build
if [ -f scripts/install-code-server.mjs ]; then node scripts/install-code-server.mjs; fi
