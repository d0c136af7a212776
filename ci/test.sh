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
# Closing lines over all test assemblies: every failed test again, with the start of its message,
# so the tail of a long CI log names what failed; then the plain 'N passed, N failed' line.
python3 - "$log" <<'PY2' || true
import re, sys
tot = {"Passed": 0, "Failed": 0, "Skipped": 0}
failures, current = [], None
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    m = re.match(r"^\s+(Passed|Failed|Skipped):\s+(\d+)\s*$", line)
    if m:
        tot[m.group(1)] += int(m.group(2))
        current = None
        continue
    f = re.match(r"^\s+Failed (\S.*)$", line)
    if f:
        current = [f.group(1)]
        failures.append(current)
    elif current is not None:
        if re.match(r"^\s+(Passed|Skipped) ", line) or line.startswith("[xUnit") or len(current) > 25:
            current = None
        else:
            current.append(line)
if failures:
    print("Failed tests (%d):" % len(failures))
    for f in failures:
        print("  FAILED " + f[0])
        for l in f[1:]:
            print("    " + l.strip())
print("Tests: %d passed, %d failed, %d skipped" % (tot["Passed"], tot["Failed"], tot["Skipped"]))
PY2
rm -f "$log"
exit "$rc"
