#!/usr/bin/env python3
"""Writes test/fixtures/ctc/ctc_cases.json: PyTorch's CTC loss and its gradient
on fixed cases, the reference for test/model_package/training/ctc_loss.test.ts.
PyTorch is a build tool here only; the tests read the JSON.

usage: python bench/make_ctc_fixtures.py   (from the repository root; needs torch)

Each case is one batch: raw logits [B, T, V] (float32 values), input lengths,
labels (token ids, blank = 0), and torch's ctc_loss on log_softmax(logits),
computed in float64: per-sequence losses (zero_infinity True and False; an
infinite loss is written as null), the 'mean' and 'sum' reductions, and the
gradients of both reductions w.r.t. the logits.
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join("test", "fixtures", "ctc", "ctc_cases.json")


def case(name, about, B, T, V, input_lengths, labels, scale=1.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits32 = (torch.randn(B, T, V, generator=g) * scale).float()
    targets = torch.tensor([t for label in labels for t in label], dtype=torch.long)
    target_lengths = torch.tensor([len(label) for label in labels], dtype=torch.long)
    lengths = torch.tensor(input_lengths, dtype=torch.long)

    def run(reduction, zero_infinity):
        x = logits32.double().requires_grad_()
        # torch wants [T, B, V]
        logp = F.log_softmax(x, dim=-1).transpose(0, 1)
        loss = F.ctc_loss(logp, targets, lengths, target_lengths, blank=0,
                          reduction=reduction, zero_infinity=zero_infinity)
        if reduction == "none":
            return loss.detach(), None
        loss.backward()
        return loss.detach(), x.grad.detach()

    none_zero, _ = run("none", True)
    none_raw, _ = run("none", False)
    mean, grad_mean = run("mean", True)
    total, grad_sum = run("sum", True)
    finite = lambda v: float(v) if torch.isfinite(v) else None  # noqa: E731
    return {
        "name": name,
        "about": about,
        "shape": [B, T, V],
        "logits": logits32.flatten().tolist(),
        "input_lengths": input_lengths,
        "labels": labels,
        "loss_none": none_zero.tolist(),
        "loss_none_raw": [finite(v) for v in none_raw],
        "loss_mean": float(mean),
        "loss_sum": float(total),
        "grad_mean": grad_mean.flatten().tolist(),
        "grad_sum": grad_sum.flatten().tolist(),
    }


def main():
    g = torch.Generator().manual_seed(7)
    long_labels = [torch.randint(1, 12, (n,), generator=g).tolist() for n in (12, 20)]
    cases = [
        case("mixed", "repeats 'aa' and 'abba', an empty label (blanks only), unequal input and label lengths",
             B=5, T=10, V=6, input_lengths=[10, 7, 4, 10, 2],
             labels=[[1, 1], [1, 2, 2, 1], [], [3, 4, 5], [2]], seed=1),
        case("single_frame", "one frame: a one-token label and an empty one",
             B=2, T=1, V=4, input_lengths=[1, 1], labels=[[2], []], seed=2),
        case("exact_fit", "labels that need every frame: 'abc' in 3, 'aa' in 3 (a, blank, a)",
             B=2, T=3, V=4, input_lengths=[3, 3], labels=[[1, 2, 3], [1, 1]], seed=3),
        case("impossible", "'aaa' in 4 frames and 'abcd' in 3 cannot be aligned; 'ab' in 4 can",
             B=3, T=4, V=5, input_lengths=[4, 3, 4], labels=[[1, 1, 1], [1, 2, 3, 4], [1, 2]], seed=4),
        case("large", "longer sequences with peaked logits: losses in the tens",
             B=2, T=40, V=12, input_lengths=[40, 33], labels=long_labels, scale=4.0, seed=5),
    ]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "bench/make_ctc_fixtures.py", "torch": torch.__version__, "cases": cases}, f,
                  allow_nan=False)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
