#!/usr/bin/env bash
# Make Debian's chromium available for the browser tests, idempotently:
# installs the `chromium` package when /usr/bin/chromium is missing
# (Playwright drives it; it never downloads a browser of its own).
# A second run only checks and is fast. Installing needs root.
set -euo pipefail

bin=${CAUSERIE_CHROMIUM:-/usr/bin/chromium}
log() { echo "chromium.sh: $*" >&2; }

if [[ ! -x $bin ]]; then
	[[ $(id -u) -eq 0 ]] || { log "error: $bin is missing and installing chromium needs root"; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	buildlog=$(mktemp)
	trap 'rm -f "$buildlog"' EXIT
	# apt-get update only when the lists do not know the package, or when
	# installing from the existing lists fails (stale lists).
	policy=$(apt-cache policy chromium 2>/dev/null || true)
	if [[ $policy != *"Candidate: "[0-9]* ]]; then
		log "apt-get update"
		apt-get update -q >>"$buildlog" 2>&1 || { cat "$buildlog" >&2; exit 1; }
	fi
	log "installing chromium (Debian's package)"
	if ! apt-get install -y -q --no-install-recommends chromium >>"$buildlog" 2>&1; then
		apt-get update -q >>"$buildlog" 2>&1 || true
		apt-get install -y -q --no-install-recommends chromium >>"$buildlog" 2>&1 || { cat "$buildlog" >&2; exit 1; }
	fi
	[[ -x $bin ]] || { log "error: chromium was installed but $bin is not there"; exit 1; }
fi
echo "chromium: ready at $bin ($("$bin" --version 2>/dev/null | head -n1))"
