#!/usr/bin/env bash
# The Debian packages tailgate's tests use, in one list (npm test's pretest and .ci/run both call this):
#   chromium        headless Chromium renders the HTML report (test/report/html)
#   nginx           a real server whose access log `run --workers` and the proxy are counted against
#   prometheus      a real TSDB the live export's totals are proven against (test/export)
#   python3-httpx, python3-aiohttp, python3-h2
#                   the real clients the presets are proven against (test/fidelity), run with
#                   Debian's own python3, not a version manager's
# Missing ones are installed when we may (root with apt-get); otherwise they are named and the
# tests do not start, so no test is silently skipped for want of a tool.
set -euo pipefail
export PATH="$(getconf PATH):$PATH"
debian_python() { PATH=$(getconf PATH) python3 -c "import $1" >/dev/null 2>&1; }

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
[ -x /usr/bin/prometheus ] || command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
debian_python httpx || need+=(python3-httpx)
debian_python aiohttp || need+=(python3-aiohttp)
debian_python h2 || need+=(python3-h2)
((${#need[@]})) || exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "tailgate tests: installing Debian packages ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  exit 0
fi
echo "tailgate tests need Debian packages that are missing: ${need[*]}" >&2
echo "install them, then run npm test again:  sudo apt-get install -y ${need[*]}" >&2
exit 1
