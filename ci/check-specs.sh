#!/usr/bin/env bash
# Checks every CI model and mutant of spec/ against spec/manifest.json (TLC's verdicts and numbers) with vipc's own
# checker: `vipc verify`. What a person runs after changing a spec or the checker; the test suite covers the same
# ground (tests/Checker.Tests/SpecManifestTests.cs). Extra arguments go to vipc verify, e.g.
#   ci/check-specs.sh --all                  also the larger configurations (ci: false)
#   ci/check-specs.sh --html report.html     the HTML report with a chart per counterexample
#   ci/check-specs.sh --coyote-budget 0      models only
# Exit code: vipc verify's (0 every checked entry matches TLC, 1 a mismatch, 2 bad input).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Cli -c Release -v quiet -nologo
exec dotnet src/Cli/bin/Release/net10.0/vipc.dll verify --manifest spec/manifest.json "$@"
