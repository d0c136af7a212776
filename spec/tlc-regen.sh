#!/usr/bin/env bash
# tlc-regen.sh -- rerun the real TLC over every entry of spec/manifest.json and
# compare what it reports with the numbers recorded there (or rewrite them).
#
#   TLA2TOOLS_JAR=/path/to/tla2tools.jar spec/tlc-regen.sh              # check every entry
#   TLA2TOOLS_JAR=... spec/tlc-regen.sh --ci                            # only entries with "ci": true
#   TLA2TOOLS_JAR=... spec/tlc-regen.sh MCPipe AckRetransmit_NoDuplicateCheck
#   TLA2TOOLS_JAR=... spec/tlc-regen.sh --regen [--accept] [name...]    # rewrite the measured fields
#
# Every entry runs in a fresh scratch copy of spec/ (mktemp -d), never inside
# the repository, with the flags of ../shared/tlc-conformance so that the
# counts are comparable:
#     cd <scratch>/<dir of spec>
#     java -XX:+UseParallelGC -Djava.io.tmpdir=<scratch>/jtmp -cp $TLA2TOOLS_JAR tlc2.TLC \
#          -workers 1 -cleanup -dumpTrace json trace.json -config <cfg> <spec>
# (cfg is given relative to the spec's folder: mutants that are configurations of
# a main module live in mutants/ and are passed as mutants/X.cfg.)
#
# Compared fields: result, violated, distinct_states, states_generated, depth,
# trace_kind, tlc_exit_code; trace_length and lasso_loop_back_to too, except for
# counterexamples of TLC's liveness checker, whose shape depends on the random
# fingerprint polynomial TLC picks per run. wall_seconds is informative only.
# --regen refuses to change an entry's result unless --accept is given: a verdict
# that changes is a finding, not a number to refresh.
#
# The same comparison against the project's own checker instead of TLC (never with --regen:
# the manifest's numbers come from TLC only):
#   VIPC="dotnet src/Cli/bin/Release/net10.0/vipc.dll" spec/tlc-regen.sh --vipc [--ci] [name...]
# runs `$VIPC check -workers 1 -config <cfg> <spec>` the same way and compares the same fields.
#
# Exit status: 0 all match, 1 any mismatch, 2 usage error.
# Environment: JAVA (default java), TLC_TIMEOUT (seconds per entry, default 900),
# KEEP_SCRATCH=1 keeps the scratch folders.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ " $* " == *" --vipc "* ]]; then
  if [[ -z "${VIPC:-}" ]]; then
    echo "tlc-regen.sh: --vipc needs VIPC, the command that runs vipc (e.g. \"dotnet .../vipc.dll\")" >&2
    exit 2
  fi
  export TLA2TOOLS_JAR=/dev/null
elif [[ -z "${TLA2TOOLS_JAR:-}" ]]; then
  echo "tlc-regen.sh: set TLA2TOOLS_JAR to the path of tla2tools.jar" >&2
  exit 2
fi
if [[ "$TLA2TOOLS_JAR" != /dev/null && ! -f "$TLA2TOOLS_JAR" ]]; then
  echo "tlc-regen.sh: TLA2TOOLS_JAR=$TLA2TOOLS_JAR is not a file" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "tlc-regen.sh: python3 is required" >&2; exit 2; }
if [[ "$TLA2TOOLS_JAR" != /dev/null ]] && ! command -v "${JAVA:-java}" >/dev/null; then
  echo "tlc-regen.sh: ${JAVA:-java} not found (set JAVA to a Java 11+ runtime)" >&2
  exit 2
fi
export SPEC_DIR="$HERE"
exec python3 - "$@" <<'PYEOF'
import json, os, re, shlex, shutil, subprocess, sys, tempfile, time

SPEC = os.environ["SPEC_DIR"]
MANIFEST = os.path.join(SPEC, "manifest.json")
JAR = os.path.abspath(os.environ["TLA2TOOLS_JAR"])
JAVA = os.environ.get("JAVA", "java")
TIMEOUT = int(os.environ.get("TLC_TIMEOUT", "900"))
KEEP = os.environ.get("KEEP_SCRATCH") == "1"

COMPARED = ["result", "violated", "distinct_states", "states_generated", "depth",
            "trace_kind", "tlc_exit_code"]
SHAPE = ["trace_length", "lasso_loop_back_to"]
MEASURED = COMPARED + SHAPE + ["violated_named_by_tlc", "trace_deterministic",
                               "tlc_version", "wall_seconds"]
NUM = r"([\d,]+)"


def num(s):
    return int(s.replace(",", ""))


def parse(out, rc):
    """Classify TLC's output the way ../shared/tlc-conformance does."""
    r = {k: None for k in MEASURED}
    r["tlc_exit_code"] = rc
    m = re.search(r"^TLC2 Version (\S+) of .*?\(rev: (\w+)\)", out, re.M)
    r["tlc_version"] = "%s (rev: %s)" % (m.group(1), m.group(2)) if m else None
    stats = re.findall(r"^" + NUM + r" states generated, " + NUM + r" distinct states found, "
                       + NUM + r" states left on queue\.", out, re.M)
    if stats:
        r["states_generated"], r["distinct_states"] = num(stats[-1][0]), num(stats[-1][1])
    m = re.findall(r"^The depth of the complete state graph search is (\d+)\.", out, re.M)
    if m:
        r["depth"] = int(m[-1])
    errs = [l for l in out.splitlines() if l.startswith("Error: ")
            and not l.startswith("Error: The behavior up to this point is")
            and not l.startswith("Error: The following behavior constitutes")
            and not l.startswith("Error: The error occurred when TLC was evaluating")]
    first = errs[0] if errs else None
    m = re.match(r"Error: (Invariant|Action property) (.+?) is violated", first or "")
    if m:
        r["result"] = "invariant" if m.group(1) == "Invariant" else "property"
        if re.match(r"^\S+$", m.group(2)):
            r["violated"], r["violated_named_by_tlc"] = m.group(2), True
        else:
            # A PROPERTY TLC split (Abs!Spec) is named by location: "line 35, col 17 to ..."
            r["violated_named_by_tlc"] = False
    elif first and first.startswith("Error: Temporal properties were violated"):
        r["result"], r["violated_named_by_tlc"] = "property", False
    elif first and first.startswith("Error: Deadlock reached"):
        r["result"] = "deadlock"
    elif "Semantic errors:" in out:
        r["result"] = "semantic-error"
    elif "***Parse Error***" in out:
        r["result"] = "parse-error"
    elif first and first.startswith("Error: Assumption"):
        r["result"] = "assume"
    elif first:
        r["result"] = "eval-error"
    elif "Model checking completed. No error has been found." in out:
        r["result"] = "success"
    else:
        r["result"] = "unknown"
    states = re.findall(r"^State (\d+): (?!Stuttering)", out, re.M)
    if states:
        r["trace_length"] = len(states)
        back = re.search(r"^Back to state (\d+)", out, re.M)
        if back:
            r["trace_kind"], r["lasso_loop_back_to"] = "lasso", int(back.group(1))
        elif re.search(r"^State \d+: Stuttering", out, re.M):
            r["trace_kind"] = "stuttering"
        else:
            r["trace_kind"] = "finite"
    # Counterexamples of the liveness checker ("Temporal properties were
    # violated") depend on TLC's random fingerprint polynomial; everything found
    # by the breadth-first search (invariants, action properties, deadlock) is
    # a shortest trace and deterministic.
    temporal = bool(first and first.startswith("Error: Temporal properties were violated"))
    r["trace_deterministic"] = None if not states else not temporal
    return r


VIPC = shlex.split(os.environ.get("VIPC", ""))


def run(entry, use_vipc=False):
    spec_rel, cfg_rel = entry["spec"], entry["cfg"]
    scratch = tempfile.mkdtemp(prefix="vipc-tlc-")
    try:
        shutil.copytree(SPEC, os.path.join(scratch, "spec"))
        os.makedirs(os.path.join(scratch, "jtmp"))
        workdir = os.path.join(scratch, "spec", os.path.dirname(spec_rel))
        cfg_arg = os.path.relpath(os.path.join(scratch, "spec", cfg_rel), workdir)
        if use_vipc:
            cmd = VIPC + ["check", "-workers", "1", "-config", cfg_arg, os.path.basename(spec_rel)]
        else:
            cmd = [JAVA, "-XX:+UseParallelGC", "-Djava.io.tmpdir=" + os.path.join(scratch, "jtmp"),
                   "-cp", JAR, "tlc2.TLC", "-workers", "1", "-cleanup",
                   "-dumpTrace", "json", "trace.json", "-config", cfg_arg, os.path.basename(spec_rel)]
        t0 = time.time()
        try:
            p = subprocess.run(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=TIMEOUT)
            out, rc = p.stdout.decode("utf-8", "replace"), p.returncode
        except subprocess.TimeoutExpired:
            return None, "timeout after %ds" % TIMEOUT
        r = parse(out, rc)
        r["wall_seconds"] = round(time.time() - t0, 1)
        return r, out
    finally:
        if KEEP:
            print("     scratch kept: %s" % scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def main(argv):
    regen = "--regen" in argv
    accept = "--accept" in argv
    ci_only = "--ci" in argv
    use_vipc = "--vipc" in argv
    names = [a for a in argv if not a.startswith("--")]
    bad = [a for a in argv if a.startswith("--") and a not in ("--regen", "--accept", "--ci", "--vipc")]
    if bad:
        print("tlc-regen.sh: unknown option %s" % bad[0], file=sys.stderr)
        return 2
    if use_vipc and regen:
        print("tlc-regen.sh: --regen takes its numbers from TLC only, not with --vipc", file=sys.stderr)
        return 2
    with open(MANIFEST) as f:
        manifest = json.load(f)
    entries = manifest["entries"]
    known = {e["name"] for e in entries}
    for n in names:
        if n not in known:
            print("tlc-regen.sh: no manifest entry named %s" % n, file=sys.stderr)
            return 2
    # Mutant modules that check refinement instantiate a verbatim copy of the
    # ideal channel that sits next to them; a copy that drifted would check
    # something else.
    for copy in ["FifoChannel.tla"]:
        a, b = os.path.join(SPEC, copy), os.path.join(SPEC, "mutants", copy)
        if os.path.exists(b) and open(a, "rb").read() != open(b, "rb").read():
            print("tlc-regen.sh: spec/mutants/%s differs from spec/%s; copy it again" % (copy, copy),
                  file=sys.stderr)
            return 1
    todo = [e for e in entries if (not names or e["name"] in names) and (not ci_only or e["ci"])]
    who = "vipc" if use_vipc else "TLC"
    mismatches, t_all = 0, time.time()
    for e in todo:
        r, out = run(e, use_vipc)
        if r is None:
            print("FAIL %-40s %s" % (e["name"], out))
            mismatches += 1
            continue
        diffs = []
        for k in COMPARED:
            want = e.get(k)
            got = r[k]
            if k == "violated" and r["violated_named_by_tlc"] is False:
                got = want  # TLC does not name temporal violations; the entry does
            if want != got:
                diffs.append(("%s: manifest %r, " + who + " %r") % (k, want, got))
        if r["trace_deterministic"] is not False:
            for k in SHAPE:
                if e.get(k) != r[k]:
                    diffs.append(("%s: manifest %r, " + who + " %r") % (k, e.get(k), r[k]))
        if e["kind"] in ("mutant", "witness") and r["result"] == "success":
            diffs.append("a %s must be caught, but %s found no error" % (e["kind"], who))
        status = "ok  " if not diffs else ("new " if regen else "FAIL")
        print("%s %-40s %-10s distinct=%-7s generated=%-8s depth=%-4s (%.1fs)" % (
            status, e["name"], r["result"], r["distinct_states"], r["states_generated"],
            r["depth"], r["wall_seconds"]))
        for d in diffs:
            print("     " + d)
        if regen:
            if e.get("result") not in (None, r["result"]) and not accept:
                print("     refusing to change the result of %s without --accept" % e["name"])
                mismatches += 1
                continue
            for k in MEASURED:
                if k == "violated" and r["violated_named_by_tlc"] is False:
                    continue
                e[k] = r[k]
        elif diffs:
            mismatches += 1
    if regen:
        manifest["tlc"]["version"] = next((e["tlc_version"] for e in entries if e.get("tlc_version")), None)
        with open(MANIFEST, "w") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
    print("%d entr%s, %d mismatch(es), %.0fs" % (len(todo), "y" if len(todo) == 1 else "ies",
                                                mismatches, time.time() - t_all))
    return 1 if mismatches else 0


sys.exit(main(sys.argv[1:]))
PYEOF
