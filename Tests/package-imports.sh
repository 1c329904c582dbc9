#!/usr/bin/env bash
# Package.swift declares exactly what each target imports: no dependency nobody imports, no import
# that only works because another target happened to pull the module in. Toolchain modules
# (Glibc, Foundation, Synchronization, Dispatch, Testing, ...) need no declaration.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package dump-package 2>/dev/null | python3 -c '
import json, os, re, sys
toolchain = {"Glibc", "Foundation", "FoundationEssentials", "Synchronization", "Dispatch", "Testing", "XCTest",
             "_Concurrency", "Musl", "SwiftShims"}
package = json.load(sys.stdin)
problems = 0
for target in package["targets"]:
    if target["type"] == "system":
        continue
    declared = set()
    for dependency in target.get("dependencies", []):
        (kind, value), = dependency.items()
        declared.add(value[0].replace("-", "_"))
    root = target.get("path") or ("Tests" if target["type"] == "test" else "Sources") + "/" + target["name"]
    imported = set()
    for directory, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".swift"):
                continue
            for line in open(os.path.join(directory, name), encoding="utf-8"):
                match = re.match(r"^\s*(?:@testable |@_exported |public |package |internal )?import (?:struct |enum |class |func |protocol )?([A-Za-z0-9_]+)", line)
                if match:
                    imported.add(match.group(1))
    if target["type"] not in ("regular", "executable", "test"):
        continue
    # C targets have no Swift imports to compare.
    if not any(f.endswith(".swift") for _, _, fs in os.walk(root) for f in fs):
        continue
    unused = declared - imported
    undeclared = imported - declared - toolchain
    for module in sorted(unused):
        print(target["name"] + ": declares " + module + " but no file imports it"); problems += 1
    for module in sorted(undeclared):
        print(target["name"] + ": imports " + module + " without declaring it"); problems += 1
print(f"package-imports: {problems} problem(s)")
sys.exit(1 if problems else 0)
'
