#!/usr/bin/env python3
"""Render spec/manifest.json as a Markdown table between the
<!-- manifest-table:begin --> and <!-- manifest-table:end --> markers of a file
(docs/specs.md), so the numbers in the guide are never typed by hand."""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
BEGIN, END = "<!-- manifest-table:begin -->", "<!-- manifest-table:end -->"


def cell(v):
    return "-" if v is None else str(v)


def table(manifest):
    rows = ["| entry | kind | spec / cfg | CI | verdict (violated) | distinct | generated | depth | exit |",
            "|---|---|---|:-:|---|--:|--:|--:|--:|"]
    for e in manifest["entries"]:
        verdict = e["result"] or "?"
        if e.get("violated"):
            verdict += " (%s)" % e["violated"]
        rows.append("| `%s` | %s | `%s` / `%s` | %s | %s | %s | %s | %s | %s |" % (
            e["name"], e["kind"], e["spec"], e["cfg"], "yes" if e["ci"] else "manual", verdict,
            cell(e.get("distinct_states")), cell(e.get("states_generated")), cell(e.get("depth")),
            cell(e.get("tlc_exit_code"))))
    rows.append("")
    rows.append("TLC %s; spec and cfg paths are relative to `spec/`." % manifest["tlc"].get("version"))
    return "\n".join(rows)


def main(argv):
    if len(argv) != 2:
        print("usage: manifest-table.py <markdown file>", file=sys.stderr)
        return 2
    with open(os.path.join(HERE, "manifest.json")) as f:
        manifest = json.load(f)
    with open(argv[1]) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        print("manifest-table.py: %s has no %s ... %s markers" % (argv[1], BEGIN, END), file=sys.stderr)
        return 2
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(argv[1], "w") as f:
        f.write(head + BEGIN + "\n" + table(manifest) + "\n" + END + tail)
    return 0


sys.exit(main(sys.argv))
