#!/usr/bin/env python3
"""What the browser downloads, from a built site (cargo leptos build --release --precompress
--split): the first chunk, each lazily loaded part with the shared chunks it needs, and the
whole app — raw, gzip and brotli (the .gz/.br copies the server sends).

    python3 scripts/wasm-sizes.py [target/site/pkg]
"""
import glob
import json
import os
import sys

pkg = sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg"


def sizes(name):
    path = os.path.join(pkg, name)
    return [os.path.getsize(p) if os.path.exists(p) else 0 for p in (path, path + ".gz", path + ".br")]


def row(label, names):
    total = [0, 0, 0]
    for n in names:
        total = [a + b for a, b in zip(total, sizes(n))]
    print(f"| {label} | {len(names)} | {total[0]:,} | {total[1]:,} | {total[2]:,} |")
    return total


def one(pattern):
    found = [os.path.basename(p) for p in glob.glob(os.path.join(pkg, pattern))]
    return found[:1]


manifests = glob.glob(os.path.join(pkg, "__wasm_split_manifest*.json"))
manifest = json.load(open(manifests[0])) if manifests else {}

print("| what | files | bytes | gzip | brotli |")
print("|---|---|---|---|---|")
row("first chunk: customers.wasm", one("customers.*.wasm"))
row("JavaScript glue (customers.js, __wasm_split.js)", one("customers.*.js") + one("__wasm_split*.js"))
row("CSS", one("customers.*.css"))
for key in sorted(manifest):
    # A lazy function's key ends in a hash of where it is declared; its own chunk is the
    # last entry, the shared chunks it needs come before.
    label = key.rsplit("_", 1)[0].strip("_").removesuffix("_view")
    row(f"on demand: {label} (+ shared chunks)", [f"{m}.wasm" for m in manifest[key]])
everything = sorted(os.path.basename(p) for p in glob.glob(os.path.join(pkg, "*.wasm")))
row("all wasm (first chunk + every lazy and shared chunk)", everything)
