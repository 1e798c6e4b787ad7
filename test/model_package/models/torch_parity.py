#!/usr/bin/env python3
"""Runs ../shared/bench/torch_reference.py's Recognizer on weights exported by
torch_parity.test.ts and prints its logits as JSON (eval and train mode).

usage: python torch_parity.py <reference.py> <input.json>
input.json: {"args": {...Recognizer shape args...}, "state": {torch name: {"shape": [...], "data": [...]}},
             "x": {"shape": [B,1,H,W], "data": [...]}, "y": [[...], ...]}
"""
import importlib.util
import json
import sys

import torch

spec = importlib.util.spec_from_file_location("torch_reference", sys.argv[1])
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

with open(sys.argv[2]) as f:
    inp = json.load(f)


class Args:
    pass


a = Args()
for k, v in inp["args"].items():
    setattr(a, k, v)
torch.manual_seed(0)
m = ref.Recognizer(a)
state = {k: torch.tensor(v["data"], dtype=torch.float32).reshape(v["shape"]) for k, v in inp["state"].items()}
own = m.state_dict()
missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
unknown = [k for k in state if k not in own]
if missing or unknown:
    print(json.dumps({"error": f"missing {missing} unknown {unknown}"}))
    sys.exit(0)
m.load_state_dict(state, strict=False)
x = torch.tensor(inp["x"]["data"], dtype=torch.float32).reshape(inp["x"]["shape"])
y = torch.tensor(inp["y"], dtype=torch.long)
out = {}
with torch.no_grad():
    m.eval()
    out["eval"] = m(x, y).flatten().tolist()
    out["greedy"] = m.greedy(x).tolist()
    m.train()
    out["train"] = m(x, y).flatten().tolist()
print(json.dumps(out))
