#!/usr/bin/env python3
"""PyTorch mirror of htr-ts's ResnetTransformer, built from stock torch.nn parts.

Two uses, both on the CPU:

  logits CKPT INPUT.json   Load an htr-ts checkpoint (a safetensors file: weights plus
                           the model config in its metadata), run the images and
                           teacher-forced prefixes of INPUT.json, print JSON with the
                           eval- and train-mode logits and the greedy decode; for a
                           model with a CTC head (ctc_weight > 0) also its eval- and
                           train-mode CTC logits and the CTC best path. The parity
                           test (test/model_package/models/torch_parity.test.ts)
                           compares these with our own forward pass.
  time [--batch 16 ...]    Time one training step (forward, backward, Adam) and one
                           greedy decode of the default model, and ctc_greedy of its
                           twin with a CTC head; same flags and JSON keys as
                           bench/train_step.ts. bench/compare_torch.ts uses it.

INPUT.json: {"x": {"shape": [B, H, W, C], "data": [...]}, "y_in": [[1, ...], ...]}
(NHWC images in [0, 1] as our batches are, any width; token ids starting with <S>).

Needs only torch: python3 -m venv /tmp/torch && /tmp/torch/bin/pip install torch,
then point HTR_PYTHON at /tmp/torch/bin/python.
"""
import argparse
import json
import statistics
import struct
import sys
import time

import torch
from torch import nn

START, END, PAD = 1, 2, 3

# ResnetTransformerConfig's defaults (model_package/models/resnet_transformer.ts).
DEFAULTS = {
    "stem_kernel": 5,
    "stem_channels": 32,
    "stem_stride": 1,
    "stages": [{"channels": 32, "stride": 2, "blocks": 1},
               {"channels": 64, "stride": 2, "blocks": 1},
               {"channels": 128, "stride": 2, "blocks": 1}],
    "conv_bias": False,
    "bn_momentum": 0.1,
    "tf_dim": 128,
    "tf_fc_dim": 256,
    "tf_nhead": 4,
    "tf_layers": 2,
    "tf_dropout": 0.0,
    "pos_encoding": "learned",
    "max_rows": 64,
    "max_cols": 1024,
    "ctc_weight": 0,
    "ctc_context_layers": 1,
    "decoder_memory": "image",
}


def pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


class Block(nn.Module):
    """Basic block: conv3x3(stride)-BN-ReLU-conv3x3-BN plus a 1x1 conv+BN skip, ReLU after the sum."""

    def __init__(self, cin, cout, stride, bias, momentum):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=bias)
        self.bn1 = nn.BatchNorm2d(cout, momentum=momentum)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=bias)
        self.bn2 = nn.BatchNorm2d(cout, momentum=momentum)
        self.skip_conv = nn.Conv2d(cin, cout, 1, stride, bias=bias)
        self.skip_bn = nn.BatchNorm2d(cout, momentum=momentum)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(h)) + self.skip_bn(self.skip_conv(x)))


class Encoder(nn.Module):
    def __init__(self, cin, c):
        super().__init__()
        k = c["stem_kernel"]
        self.stem_conv = nn.Conv2d(cin, c["stem_channels"], k, pair(c["stem_stride"]), k // 2, bias=c["conv_bias"])
        self.stem_bn = nn.BatchNorm2d(c["stem_channels"], momentum=c["bn_momentum"])
        self.stages = nn.ModuleList()
        ch = c["stem_channels"]
        for st in c["stages"]:
            blocks = nn.ModuleList()
            for i in range(st.get("blocks", 1)):
                stride = pair(st.get("stride", 2)) if i == 0 else 1
                blocks.append(Block(ch, st["channels"], stride, c["conv_bias"], c["bn_momentum"]))
                ch = st["channels"]
            self.stages.append(blocks)
        self.out_channels = ch

    def forward(self, x):
        h = torch.relu(self.stem_bn(self.stem_conv(x)))
        for blocks in self.stages:
            for b in blocks:
                h = b(h)
        return h


def sinusoids(n, d, start=0):
    """[n, d]: sin on even channels, cos on odd ones (positional_encoding.ts)."""
    pos = torch.arange(start, start + n, dtype=torch.float64)[:, None]
    i = torch.arange(0, d, 2, dtype=torch.float64)
    angle = pos / torch.pow(10000.0, i / d)
    out = torch.zeros(n, d, dtype=torch.float64)
    out[:, 0::2] = torch.sin(angle)
    out[:, 1::2] = torch.cos(angle)[:, : d // 2]
    return out.float()


class Recognizer(nn.Module):
    """ResNet encoder -> 1x1 projection + 2-D positions -> pre-norm transformer decoder -> linear head.

    With ctc_weight > 0 also the CTC branch: the image tokens averaged over the height
    (one frame per column) -> ctc_context_layers pre-norm encoder layers (ReLU, no
    dropout) and a final LayerNorm (none without layers) -> linear head, blank = 0.
    """

    def __init__(self, config, in_channels, vocab, max_len):
        super().__init__()
        c = {**DEFAULTS, **{k: v for k, v in config.items() if k in DEFAULTS}}
        self.c = c
        d = c["tf_dim"]
        self.max_len = max_len
        self.encoder = Encoder(in_channels, c)
        self.proj = nn.Conv2d(self.encoder.out_channels, d, 1)
        self.learned = c["pos_encoding"] == "learned"
        if self.learned:
            self.row_pos = nn.Embedding(c["max_rows"], d)
            self.col_pos = nn.Embedding(c["max_cols"], d)
            self.tok_pos = nn.Embedding(max_len, d)
        self.tok = nn.Embedding(vocab, d)
        layer = nn.TransformerDecoderLayer(d, c["tf_nhead"], c["tf_fc_dim"], dropout=c["tf_dropout"],
                                           batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, c["tf_layers"], norm=nn.LayerNorm(d))
        self.head = nn.Linear(d, vocab)
        self.ctc_context = None
        self.ctc_head = None
        if c["ctc_weight"] > 0:
            if c["ctc_context_layers"] > 0:
                # Our ColumnEncoder has no dropout whatever tf_dropout is.
                enc = nn.TransformerEncoderLayer(d, c["tf_nhead"], c["tf_fc_dim"], dropout=0.0, activation="relu",
                                                 batch_first=True, norm_first=True)
                self.ctc_context = nn.TransformerEncoder(enc, c["ctc_context_layers"], norm=nn.LayerNorm(d),
                                                        enable_nested_tensor=False)
            self.ctc_head = nn.Linear(d, vocab)

    def image_positions(self, h, w):
        d = self.c["tf_dim"]
        if self.learned:
            return (self.row_pos.weight[:h, None, :] + self.col_pos.weight[None, :w, :]).reshape(h * w, d)
        half = d // 2
        rows = sinusoids(h, half)[:, None, :].expand(h, w, half)
        cols = sinusoids(w, d - half)[None, :, :].expand(h, w, d - half)
        return torch.cat([rows, cols], -1).reshape(h * w, d)

    def encode_grid(self, x):
        """x [B, C, H, W] -> image tokens (features + positions) as a grid [B, H', W', D]."""
        f = self.proj(self.encoder(x))
        b, d, h, w = f.shape
        return (f.flatten(2).transpose(1, 2) + self.image_positions(h, w)).reshape(b, h, w, d)

    def columns(self, x):
        """x [B, C, H, W] -> height-averaged columns after the CTC context [B, W', D]."""
        columns = self.encode_grid(x).mean(1)
        return columns if self.ctc_context is None else self.ctc_context(columns)

    def encode(self, x):
        """x [B, C, H, W] -> the decoder's memory: image tokens [B, H'*W', D], row-major as ours, or the columns."""
        if self.c["decoder_memory"] == "columns":
            return self.columns(x)
        return self.encode_grid(x).flatten(1, 2)

    def ctc_logits(self, x):
        """x [B, C, H, W] -> CTC logits [B, W', V]: height-averaged columns, context, head."""
        return self.ctc_head(self.columns(x))

    def decode(self, memory, y):
        s = y.shape[1]
        pos = self.tok_pos.weight[:s] if self.learned else sinusoids(s, self.c["tf_dim"])
        mask = torch.triu(torch.full((s, s), float("-inf")), 1)
        return self.head(self.decoder(self.tok(y) + pos, memory, tgt_mask=mask))

    def forward(self, x, y):
        return self.decode(self.encode(x), y)

    @torch.no_grad()
    def greedy(self, x, early_stop=True):
        """Our greedyLoop: <S>, then argmax tokens; <P> after a row's <E>."""
        memory = self.encode(x)
        b = x.shape[0]
        out = torch.full((b, self.max_len), PAD, dtype=torch.long)
        out[:, 0] = START
        feed = torch.full((b, 1), START, dtype=torch.long)
        done = torch.zeros(b, dtype=torch.bool)
        for t in range(1, self.max_len):
            nxt = self.decode(memory, feed)[:, -1].argmax(-1)
            tok = torch.where(done, torch.full_like(nxt, PAD), nxt)
            out[:, t] = tok
            done = done | (tok == END)
            feed = torch.cat([feed, tok[:, None]], 1)
            if early_stop and bool(done.all()):
                break
        return out

    @torch.no_grad()
    def ctc_greedy(self, x):
        """Best path per row (argmax per frame, merge repeats, drop blanks), as our ctcGreedy."""
        best = self.ctc_logits(x).argmax(-1)
        rows = []
        for path in best.tolist():
            rows.append([t for i, t in enumerate(path) if t != 0 and (i == 0 or t != path[i - 1])])
        return rows


# ---- htr-ts checkpoints -------------------------------------------------------------

DTYPES = {"F32": torch.float32, "I32": torch.int32}


def read_safetensors(path):
    """(tensors by name, metadata): the format is an 8-byte header size, a JSON header, raw data."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        s, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(raw[base + s:base + e]), dtype=DTYPES[info["dtype"]])
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, meta


def torch_state(ours, c):
    """Our parameter names and layouts -> the mirror's: NHWC conv [kh,kw,in,out] ->
    [out,in,kh,kw], linear [in,out] -> [out,in], fused q|k|v columns -> in_proj rows."""
    conv = lambda t: t.permute(3, 2, 0, 1).contiguous()
    out = {}
    left = dict(ours)

    def take(name):
        return left.pop(name)

    def linear(to, frm):
        out[f"{to}.weight"] = take(f"{frm}.weight").t()
        out[f"{to}.bias"] = take(f"{frm}.bias")

    def self_attn_in(m):  # nn.MultiheadAttention keeps its fused projection as in_proj_weight/_bias
        out[f"{m}.self_attn.in_proj_weight"] = take(f"{m}.self_attn.qkv.weight").t()
        out[f"{m}.self_attn.in_proj_bias"] = take(f"{m}.self_attn.qkv.bias")

    def norms(prefix, names):  # LayerNorms: same names and layout on both sides
        for n in names:
            for p in ("weight", "bias"):
                out[f"{prefix}.{n}.{p}"] = take(f"{prefix}.{n}.{p}")

    for name in [n for n in ours if n.startswith("encoder.")]:
        parts = name.split(".")
        if parts[1].startswith("stage"):  # encoder.stage{s}.block{i}.<layer>.<param>
            parts = ["encoder", "stages", parts[1][5:], parts[2][5:], *parts[3:]]
        t = take(name)
        out[".".join(parts)] = conv(t) if t.dim() == 4 else t
    out["proj.weight"] = conv(take("proj.weight"))
    out["proj.bias"] = take("proj.bias")
    for to, frm in [("row_pos", "image_pos.row"), ("col_pos", "image_pos.col"), ("tok_pos", "text_pos.pos")]:
        if f"{frm}.weight" in left:
            out[f"{to}.weight"] = take(f"{frm}.weight")
    out["tok.weight"] = take("token_emb.weight")
    for i in range(c["tf_layers"]):
        m = f"decoder.layers.{i}"  # same names on both sides
        self_attn_in(m)
        q_w, kv_w = take(f"{m}.cross_attn.q.weight"), take(f"{m}.cross_attn.kv.weight")
        out[f"{m}.multihead_attn.in_proj_weight"] = torch.cat([q_w, kv_w], 1).t()
        out[f"{m}.multihead_attn.in_proj_bias"] = torch.cat([take(f"{m}.cross_attn.q.bias"), take(f"{m}.cross_attn.kv.bias")])
        for to, frm in [("self_attn.out_proj", "self_attn.out"), ("multihead_attn.out_proj", "cross_attn.out"),
                        ("linear1", "ff1"), ("linear2", "ff2")]:
            linear(f"{m}.{to}", f"{m}.{frm}")
        norms(m, ("norm1", "norm2", "norm3"))
    norms("decoder", ("norm",))
    linear("head", "head")
    if c["ctc_weight"] > 0:
        if c["ctc_context_layers"] > 0:
            for i in range(c["ctc_context_layers"]):
                m = f"ctc_context.layers.{i}"  # ColumnEncoder's EncoderLayer -> TransformerEncoderLayer
                self_attn_in(m)
                for to, frm in [("self_attn.out_proj", "self_attn.out"), ("linear1", "ff1"), ("linear2", "ff2")]:
                    linear(f"{m}.{to}", f"{m}.{frm}")
                norms(m, ("norm1", "norm2"))
            norms("ctc_context", ("norm",))
        linear("ctc_head", "ctc_head")
    if left:
        raise ValueError(f"weights the mirror does not know: {sorted(left)}")
    return {k: v.float() for k, v in out.items()}


def load_checkpoint(path):
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "htr-ts-checkpoint":
        raise ValueError(f"{path} is not an htr-ts checkpoint")
    model_cfg = json.loads(meta["config"]).get("model", {})
    data = json.loads(meta["data_config"])
    ours = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    m = Recognizer(model_cfg, data["inputDims"][0], len(data["mapping"]), data["outputDims"][0])
    state = torch_state(ours, m.c)
    own = m.state_dict()
    missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")]
    unknown = [k for k in state if k not in own]
    if missing or unknown:
        raise ValueError(f"state mismatch: missing {missing}, unknown {unknown}")
    m.load_state_dict(state, strict=False)
    return m


def cmd_logits(a):
    # Small ops: one thread is ~25x faster than two on a busy 2-core machine (greedy of 101 steps: 0.7 s vs 17 s).
    torch.set_num_threads(1)
    m = load_checkpoint(a.ckpt)
    with open(a.input) as f:
        inp = json.load(f)
    x = torch.tensor(inp["x"]["data"], dtype=torch.float32).reshape(inp["x"]["shape"]).permute(0, 3, 1, 2)
    y = torch.tensor(inp["y_in"], dtype=torch.long)
    res = {"shape": [y.shape[0], y.shape[1], m.head.out_features]}
    ctc = m.ctc_head is not None
    with torch.no_grad():
        m.eval()
        res["eval"] = m(x, y).flatten().tolist()
        res["greedy"] = m.greedy(x, early_stop=False).tolist()
        if ctc:
            logits = m.ctc_logits(x)
            res["ctc_shape"] = list(logits.shape)
            res["ctc_eval"] = logits.flatten().tolist()
            res["ctc_greedy"] = m.ctc_greedy(x)
        m.train()  # batch statistics in BatchNorm; dropout too if the config has any
        res["train"] = m(x, y).flatten().tolist()
        if ctc:
            res["ctc_train"] = m.ctc_logits(x).flatten().tolist()
    print(json.dumps(res))


# ---- timing -------------------------------------------------------------------------

def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def cmd_time(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    strides = [int(s) for s in a.strides.split(",")]
    stages = [{"channels": int(c), "stride": s, "blocks": a.blocks} for c, s in zip(a.channels.split(","), strides)]
    config = {"stem_channels": stages[0]["channels"], "stages": stages, "tf_dim": a.d_model,
              "tf_nhead": a.heads, "tf_layers": a.layers, "tf_fc_dim": a.ff}
    m = Recognizer(config, 1, a.vocab, a.max_len)
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    x = torch.rand(a.batch, 1, a.height, a.width)
    y = torch.randint(4, a.vocab, (a.batch, a.max_len))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        logits = m(x, y[:, :-1])
        loss_fn(logits.reshape(-1, a.vocab), y[:, 1:].reshape(-1)).backward()
        opt.step()

    m.train()
    train_ms = median_ms(step, a.warmup, a.reps)
    m.eval()
    # All max_len tokens: an untrained model rarely emits <E>.
    decode_ms = median_ms(lambda: m.greedy(x, early_stop=False), 1, max(2, a.reps // 2))
    # The twin with a CTC head (ctc_weight 0.5), decoded by best path as ours: its encoder pass is
    # the floor of our ctc_greedy.
    twin = Recognizer({**config, "ctc_weight": 0.5}, 1, a.vocab, a.max_len).eval()
    ctc_ms = median_ms(lambda: twin.ctc_greedy(x), 2, max(2, a.reps // 2))
    res = {"engine": f"pytorch-{torch.__version__}-cpu", "threads": a.threads,
           "params": sum(p.numel() for p in m.parameters()), "batch": a.batch, "height": a.height, "width": a.width,
           "train_step_ms": round(train_ms, 2), "greedy_decode_batch_ms": round(decode_ms, 2),
           "ctc_greedy_decode_batch_ms": round(ctc_ms, 2),
           "train_samples_per_s": round(a.batch * 1000 / train_ms, 2)}
    print(json.dumps(res) if a.json else "\n".join(f"{k}: {v}" for k, v in res.items()))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    lg = sub.add_parser("logits", help="logits and greedy decode of a checkpoint on given inputs")
    lg.add_argument("ckpt")
    lg.add_argument("input")
    lg.set_defaults(run=cmd_logits)
    tm = sub.add_parser("time", help="time a train step and a greedy decode (bench/train_step.ts flags)")
    for flag, default in [("batch", 16), ("height", 28), ("width", 256), ("blocks", 1), ("d-model", 128), ("heads", 4),
                          ("layers", 2), ("ff", 256), ("vocab", 83), ("max-len", 32), ("threads", 2), ("reps", 5),
                          ("warmup", 2)]:
        tm.add_argument(f"--{flag}", type=int, default=default)
    tm.add_argument("--channels", default="32,64,128")
    tm.add_argument("--strides", default="2,2,2")
    tm.add_argument("--json", action="store_true")
    tm.set_defaults(run=cmd_time)
    a = p.parse_args()
    a.run(a)


if __name__ == "__main__":
    try:
        main()
    except (ValueError, KeyError, OSError) as e:
        print(f"torch_mirror: {e}", file=sys.stderr)
        sys.exit(1)
