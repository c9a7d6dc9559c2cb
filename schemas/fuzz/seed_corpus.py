#!/usr/bin/env python3
"""Writes schemas/fuzz/corpus/: one "<ce_type>\\n<example>" file per example of every schema, plus a few
hostile shapes. Run after changing a schema's examples; the fuzzer finds the rest."""
import json
import pathlib

here = pathlib.Path(__file__).resolve().parent
root = here.parent
corpus = here / "corpus"
corpus.mkdir(exist_ok=True)
for old in corpus.glob("*.txt"):
    old.unlink()
for path in sorted(root.glob("*/*.schema.json")):
    domain, stem = path.parent.name, path.name[: -len(".schema.json")]
    ce_type = "store.%s.%s" % (domain, stem)
    for i, example in enumerate(json.loads(path.read_text())["examples"]):
        (corpus / ("%s-%d.txt" % (ce_type, i))).write_text(ce_type + "\n" + json.dumps(example, separators=(",", ":")))
extras = {
    "deep": "store.order.placed.v1\n" + "[" * 100,
    "malformed": "store.order.placed.v1\n{\"order_id\":",
    "nul": "store.order.cancelled.v1\n{\"customer_id\":\"a\\u0000b\"}",
    "unknown-type": "store.order.placed.v9\n{}",
}
for name, text in extras.items():
    (corpus / ("extra-%s.txt" % name)).write_text(text)
