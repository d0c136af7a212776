#!/usr/bin/env bash
# Runs every test of the solution: the README's test command and what CI runs.
# Restores the local dotnet tools (Coyote's rewriter) first, so a fresh clone needs only the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore
# The HTML report is checked in a real browser: Debian's Chromium, installed when absent.
bash ci/install-chromium.sh
dotnet build VerifiedIpc.sln -c Release
log=$(mktemp)
set +e
dotnet test VerifiedIpc.sln -c Release --no-build --logger "console;verbosity=normal" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One closing line over all test assemblies, in the plain 'N passed, N failed' form.
python3 - "$log" <<'PY2' || true
import re, sys
tot = {"Passed": 0, "Failed": 0, "Skipped": 0}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"^\s+(Passed|Failed|Skipped):\s+(\d+)\s*$", line)
    if m:
        tot[m.group(1)] += int(m.group(2))
print("Tests: %d passed, %d failed, %d skipped" % (tot["Passed"], tot["Failed"], tot["Skipped"]))
PY2
rm -f "$log"
exit "$rc"
