#!/usr/bin/env bash
# Checks every CI model and mutant of spec/ against spec/manifest.json (TLC's verdicts and numbers) with vipc's own
# checker, then runs the Coyote suite at a small budget: `vipc verify`. What a person runs after changing a spec, the
# checker or the reference implementation; the test suite covers the models too (tests/Checker.Tests/SpecManifestTests.cs).
# Extra arguments go to vipc verify, e.g.
#   ci/check-specs.sh --all                  also the larger configurations (ci: false)
#   ci/check-specs.sh --html report.html     the HTML report with a chart per counterexample
# COYOTE_BUDGET=N sets the Coyote iterations per scenario (default 20; 0: models only).
# Building src/Cli builds and Coyote-rewrites the suite too (a build-order-only reference); it runs from Release.
# Exit code: vipc verify's (0 every checked entry matches TLC and the suite held, 1 a mismatch or a suite failure,
# 2 bad input).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
budget="${COYOTE_BUDGET:-20}"
dotnet build src/Cli -c Release -v quiet -nologo
export VIPC_COYOTE_SUITE="$PWD/src/Coyote.Tests/bin/Release/net10.0/VerifiedIpc.Coyote.Tests.dll"
exec dotnet src/Cli/bin/Release/net10.0/vipc.dll verify --manifest spec/manifest.json --coyote-budget "$budget" "$@"
