#!/usr/bin/env bash
# Set up convkit on a fresh machine: bubblewrap for the sandbox and chromium for a test (as root, where apt is available), the CPU
# build of torch 2.13.0, then convkit itself with its development tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
# Chromium is for the test that opens report.html in a real browser (driven by Playwright, which uses this
# Chromium: its own browser download is not needed).
missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq $missing >/dev/null) \
      || echo "setup.sh: could not install$missing; without bubblewrap convkit grades with its plain sandbox" >&2
  else
    echo "setup.sh: not installed:$missing (apt-get install -y$missing as root); convkit grades with its plain sandbox" >&2
  fi
fi
# torch's CPU build, from torch's own index (nothing here needs a GPU; torch's default Linux build
# brings gigabytes of CUDA libraries). TORCH_INDEX_URL replaces the index: a mirror, or a CUDA one.
if [ -n "${TORCH_INDEX_URL:-}" ]; then
  index=(--index-url "$TORCH_INDEX_URL")
else
  index=(--extra-index-url https://download.pytorch.org/whl/cpu)
fi
python3 -m pip install -q torch==2.13.0 "${index[@]}"
python3 -m pip install -q -e '.[dev]'
