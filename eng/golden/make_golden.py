#!/usr/bin/python3
"""Make tiny Hugging Face checkpoints and golden logits for Herd's engine tests.

For every case in CASES this writes, under Herd.Tests/Golden/<case>/:

  config.json         the model's configuration, keys as Hugging Face transformers writes them
                      (sorted, two-space indent, trailing newline)
  model.safetensors   random weights with Hugging Face tensor names, in the case's dtype
  golden.safetensors  input_ids (I64, [T]) and logits (F32, [T, vocab_size]) for PROMPT_IDS

and for llama-gqa also generation.json, the greedy continuation of the prompt. Cases with
"adapters" (llama-gqa, qwen2-bias) also get LoRA adapters in Hugging Face PEFT's format:

  adapters/<name>/adapter_config.json        PEFT's LoraConfig (sorted keys, two-space indent)
  adapters/<name>/adapter_model.safetensors  F32 lora_A [r, in] and lora_B [out, r] per targeted
                                             projection, PEFT's names
                                             (base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight)
  adapters/golden.safetensors                input_ids and logits.<name> (F32, [T, vocab_size]) of
                                             the base with that adapter merged, and logits.blend

The logits come from a plain PyTorch forward pass written here, computed in float64 from the
weights as stored (read back from model.safetensors, so BF16/F16 weights are the rounded values,
upcast exactly to float64). They are therefore the exact result for the stored checkpoint, up to
float64 rounding, and then rounded once to float32. The forward pass follows transformers'
modeling_llama.py / modeling_qwen2.py / modeling_mistral.py (eager attention) and
modeling_rope_utils.py (default and llama3 inverse frequencies):

  RMSNorm           x * rsqrt(mean(x^2) + eps) * weight
  rotary            HF "rotate_half" layout: inv_freq = 1 / theta^(arange(0, d, 2) / d),
                    emb = cat(freqs, freqs), x * cos + rotate_half(x) * sin,
                    rotate_half(x) = cat(-x[d/2:], x[:d/2])
  llama3 rope       inv_freq rescaled by wavelength (low_freq_factor, high_freq_factor, factor,
                    original_max_position_embeddings) exactly as _compute_llama3_parameters
  attention         causal softmax(q k^T / sqrt(head_dim)) v, KV head j serving query heads
                    j*n_rep .. j*n_rep+n_rep-1 (repeat_kv), then o_proj
  MLP               down(silu(gate(x)) * up(x))
  block             x += attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x))
  head              model.norm, then lm_head (or embed_tokens transposed when tied)

A second, independently written forward pass (Meta's original layout: q/k rows permuted to
interleaved pairs, rotation by complex multiplication, frequencies computed one at a time as
Meta's llama3 reference does, PyTorch's fused scaled-dot-product attention, different RMSNorm
and SiLU formulations) must agree with the first to 1e-12 (relative), or the script fails.

LoRA: every targeted projection W [out, in] becomes W + scale * (B @ A), scale = lora_alpha / r,
or lora_alpha / sqrt(r) with use_rslora (PEFT's LoraLayer); logits.blend merges LORA_BLEND, a
weighted sum W + sum_i w_i * scale_i * (B_i @ A_i). The merged logits come from the same float64
forward over the merged weights (base and adapter read back from their stored bytes), and must
agree to 1e-12 with the adapters applied unmerged (scale * (x A^T) B^T added to each targeted
projection's output) and with the second forward pass over the merged weights.

Weights (all drawn from one torch.Generator per case, seeded from the case's seed, in float64,
then rounded to the stored dtype):

  lm_head, tied embed_tokens   N(0, 0.4^2)          logits come out with a spread of a few units
  untied embed_tokens          N(0, 0.05^2)         small, as in real checkpoints, so the first
                                                    RMSNorm's eps visibly matters
  q/k/v/o, gate/up, down       N(0, 1/in_features)  each projection roughly preserves scale, so
                                                    attention is neither uniform nor one-hot
  q/k/v biases (Qwen2)         N(0, 0.1^2)          large enough that a missing bias shows
  RMSNorm weights              1 + 0.1 * N(0, 1)    a norm applied without its weight shows

LoRA matrices (one torch.Generator per adapter, seeded from the adapter's seed; per layer, per
targeted projection in LORA_MODULES order, A then B; drawn in float64, stored as float32):

  lora_A                       N(0, 1/in_features)
  lora_B                       N(0, s^2)            s = LORA_STRENGTH / (scale * sqrt(r)): each
                                                    adapted projection's output moves by about
                                                    0.1 of its size (PEFT starts B at zero,
                                                    which would test nothing)

--finetuned: instead of the random cases, reads herd-tiny (Herd's built-in model, from
--base-model, default $HERD_MODEL_CACHE/herd-tiny-v1 or ~/.cache/herd/models/herd-tiny-v1) and
the LoRA adapter Herd's finetune wrote to Herd.Tests/Golden/herd-tiny-finetuned/adapter/, checks
adapter_config.json and every tensor name, shape and dtype against what PEFT loads as a plain
LoRA adapter (exits with the list of problems otherwise), and writes
herd-tiny-finetuned/golden.safetensors: input_ids (I64, [16], FINETUNED_PROMPT_IDS),
logits.base (herd-tiny alone) and logits.adapter (the adapter merged), F32 [16, vocab_size], by
the same float64 forward, with the same unmerged and second-implementation checks.

Run it with Debian's PyTorch (no transformers, no safetensors package needed):

  /usr/bin/python3 eng/golden/make_golden.py                # writes Herd.Tests/Golden/
  /usr/bin/python3 eng/golden/make_golden.py --check        # regenerates in memory, compares bytes
  /usr/bin/python3 eng/golden/make_golden.py --finetuned    # writes herd-tiny-finetuned/golden.safetensors

Output is deterministic: fixed seeds, sorted tensor names, fixed JSON formatting.
"""

import argparse
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN_DIR = os.path.join(REPO_ROOT, "Herd.Tests", "Golden")

# One prompt for every case: bos (1) first, then ids that cover 0 and the last id (vocab 320).
PROMPT_IDS = [1, 15, 287, 42, 99, 3, 200, 7, 0, 64, 311, 128, 45, 319, 250, 17]

GREEDY_NEW_TOKENS = 8

F64 = torch.float64

# ---------------------------------------------------------------------------------------------
# Cases. "config" is written to config.json as is (sorted keys), so it holds exactly the keys
# transformers' LlamaConfig / Qwen2Config / MistralConfig write (transformers_version aside).
# ---------------------------------------------------------------------------------------------


def llama_config(**overrides):
    config = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "head_dim": 16,
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.02,
        "intermediate_size": 160,
        "max_position_embeddings": 256,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": None,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": 320,
    }
    config.update(overrides)
    return config


# LoRA adapters (PEFT format) for some cases: the projections they may target, in the order their
# matrices are drawn, and the blend written as logits.blend (adapter name, weight).
LORA_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
LORA_BLEND = [("all", 0.7), ("qv", 0.3)]

# Each targeted projection's output moves by about this fraction of its own size (B's spread is
# set from it, given the adapter's scale and rank).
LORA_STRENGTH = 0.1


def lora_adapter(name, seed, r, lora_alpha, target_modules, use_rslora=False):
    return {"name": name, "seed": seed, "r": r, "lora_alpha": lora_alpha,
            "target_modules": list(target_modules), "use_rslora": use_rslora}


CASES = [
    {
        "name": "llama-gqa",
        # Seed chosen among a few for a varied greedy continuation whose every step has a clear
        # winner (top-1 beats top-2 by about 0.5 logits or more).
        "seed": 1015,
        "dtype": torch.float32,
        "config": llama_config(),
        "generation": True,
        "adapters": [
            lora_adapter("all", 2001, r=4, lora_alpha=8, target_modules=LORA_MODULES),
            lora_adapter("qv", 2002, r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], use_rslora=True),
            lora_adapter("mlp", 2003, r=2, lora_alpha=2, target_modules=["gate_proj", "up_proj", "down_proj"]),
        ],
    },
    {
        "name": "qwen2-bias",
        "seed": 1002,
        "dtype": torch.float32,
        "config": {
            "architectures": ["Qwen2ForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "hidden_act": "silu",
            "hidden_size": 64,
            "initializer_range": 0.02,
            "intermediate_size": 176,
            "max_position_embeddings": 256,
            "max_window_layers": 2,
            "model_type": "qwen2",
            "num_attention_heads": 4,
            "num_hidden_layers": 2,
            "num_key_value_heads": 2,
            "rms_norm_eps": 1e-06,
            "rope_scaling": None,
            "rope_theta": 1000000.0,
            "sliding_window": 256,
            "tie_word_embeddings": True,
            "torch_dtype": "float32",
            "use_cache": True,
            "use_sliding_window": False,
            "vocab_size": 320,
        },
        "adapters": [
            lora_adapter("all", 2011, r=4, lora_alpha=8, target_modules=LORA_MODULES),
            lora_adapter("qv", 2012, r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], use_rslora=True),
        ],
    },
    {
        "name": "llama3-bf16",
        "seed": 1003,
        "dtype": torch.bfloat16,
        # head_dim 16, theta 500000, original context 64: of the 8 frequencies, 1 is kept
        # (wavelength 6.3 < 16), 1 is interpolated (wavelength 32.5) and 6 are divided by 8.
        "config": llama_config(
            eos_token_id=[2, 3],
            max_position_embeddings=512,
            rope_scaling={
                "factor": 8.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 64,
                "rope_type": "llama3",
            },
            rope_theta=500000.0,
            tie_word_embeddings=True,
            torch_dtype="bfloat16",
        ),
    },
    {
        "name": "mistral-f16",
        "seed": 1004,
        "dtype": torch.float16,
        # 8 heads of 8 over 2 KV heads (4 query heads per KV head); the window (4096) is longer
        # than the prompt, so it changes nothing.
        "config": {
            "architectures": ["MistralForCausalLM"],
            "attention_dropout": 0.0,
            "bos_token_id": 1,
            "eos_token_id": 2,
            "head_dim": 8,
            "hidden_act": "silu",
            "hidden_size": 64,
            "initializer_range": 0.02,
            "intermediate_size": 192,
            "max_position_embeddings": 8192,
            "model_type": "mistral",
            "num_attention_heads": 8,
            "num_hidden_layers": 2,
            "num_key_value_heads": 2,
            "rms_norm_eps": 1e-05,
            "rope_theta": 10000.0,
            "sliding_window": 4096,
            "tie_word_embeddings": False,
            "torch_dtype": "float16",
            "use_cache": True,
            "vocab_size": 320,
        },
    },
]


class Dims:
    def __init__(self, config):
        self.vocab = config["vocab_size"]
        self.hidden = config["hidden_size"]
        self.inter = config["intermediate_size"]
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads") or self.heads
        self.head_dim = config.get("head_dim") or self.hidden // self.heads
        self.eps = config["rms_norm_eps"]
        self.qkv_bias = config["model_type"] == "qwen2" or config.get("attention_bias", False)
        self.tied = config["tie_word_embeddings"]
        assert self.head_dim * self.heads == self.hidden, "the cases keep head_dim = hidden / heads"
        assert self.heads % self.kv_heads == 0


# ---------------------------------------------------------------------------------------------
# safetensors, by hand
# ---------------------------------------------------------------------------------------------

ST_DTYPES = {
    torch.float32: ("F32", np.dtype("<f4")),
    torch.float16: ("F16", np.dtype("<f2")),
    torch.bfloat16: ("BF16", np.dtype("<i2")),
    torch.int64: ("I64", np.dtype("<i8")),
}
ST_BY_NAME = {name: (torch_dtype, np_dtype) for torch_dtype, (name, np_dtype) in ST_DTYPES.items()}


def tensor_bytes(tensor):
    tensor = tensor.contiguous()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.view(torch.int16)  # numpy has no bfloat16: move the raw 16 bits
    array = tensor.numpy()
    return array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()


def safetensors_bytes(tensors, metadata):
    """8-byte LE header length, JSON header padded with spaces to 8 bytes, contiguous data."""
    header = {"__metadata__": dict(metadata)}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        tensor = tensors[name]
        data = tensor_bytes(tensor)
        header[name] = {
            "dtype": ST_DTYPES[tensor.dtype][0],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def read_safetensors(data):
    (length,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8 : 8 + length].decode("utf-8"))
    base = 8 + length
    metadata = header.pop("__metadata__", {})
    tensors = {}
    end_of_data = 0
    for name, entry in header.items():
        torch_dtype, np_dtype = ST_BY_NAME[entry["dtype"]]
        begin, end = entry["data_offsets"]
        count = int(np.prod(entry["shape"], dtype=np.int64))
        assert end - begin == count * np_dtype.itemsize, name
        array = np.frombuffer(data, dtype=np_dtype, count=count, offset=base + begin).copy()
        tensor = torch.from_numpy(array.astype(np_dtype.newbyteorder("="))).reshape(entry["shape"])
        if torch_dtype == torch.bfloat16:
            tensor = tensor.view(torch.int16).view(torch.bfloat16)
        tensors[name] = tensor
        end_of_data = max(end_of_data, end)
    assert base + end_of_data == len(data), "trailing bytes after the data section"
    return tensors, metadata


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------


def make_weights(case):
    """The checkpoint's tensors in the case's dtype, drawn in a fixed order from a fixed seed."""
    d = Dims(case["config"])
    gen = torch.Generator().manual_seed(case["seed"])

    def normal(shape, std):
        return torch.randn(shape, generator=gen, dtype=F64) * std

    def linear(out_features, in_features):  # torch.nn.Linear layout: [out, in]
        return normal((out_features, in_features), 1.0 / math.sqrt(in_features))

    def norm():
        return 1.0 + 0.1 * normal((d.hidden,), 1.0)

    q_out, kv_out = d.heads * d.head_dim, d.kv_heads * d.head_dim
    # Untied embeddings are small, as in real checkpoints, so that the first RMSNorm's eps matters
    # (1e-5 vs 1e-6 moves the logits by ~1e-3 of their range); tied ones double as the output head.
    w = {"model.embed_tokens.weight": normal((d.vocab, d.hidden), 0.4 if d.tied else 0.05)}
    for i in range(d.layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = norm()
        w[p + "self_attn.q_proj.weight"] = linear(q_out, d.hidden)
        w[p + "self_attn.k_proj.weight"] = linear(kv_out, d.hidden)
        w[p + "self_attn.v_proj.weight"] = linear(kv_out, d.hidden)
        if d.qkv_bias:
            w[p + "self_attn.q_proj.bias"] = normal((q_out,), 0.1)
            w[p + "self_attn.k_proj.bias"] = normal((kv_out,), 0.1)
            w[p + "self_attn.v_proj.bias"] = normal((kv_out,), 0.1)
        w[p + "self_attn.o_proj.weight"] = linear(d.hidden, q_out)
        w[p + "post_attention_layernorm.weight"] = norm()
        w[p + "mlp.gate_proj.weight"] = linear(d.inter, d.hidden)
        w[p + "mlp.up_proj.weight"] = linear(d.inter, d.hidden)
        w[p + "mlp.down_proj.weight"] = linear(d.hidden, d.inter)
    w["model.norm.weight"] = norm()
    if not d.tied:
        w["lm_head.weight"] = normal((d.vocab, d.hidden), 0.4)
    return {name: tensor.to(case["dtype"]) for name, tensor in w.items()}


# ---------------------------------------------------------------------------------------------
# Reference forward pass (Hugging Face layout)
# ---------------------------------------------------------------------------------------------


def inv_freq(config, llama3_scaling=True):
    """modeling_rope_utils: _compute_default_rope_parameters, then _compute_llama3_parameters."""
    d = Dims(config)
    dim = d.head_dim
    freq = 1.0 / (config["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.int64).to(F64) / dim))
    scaling = config.get("rope_scaling")
    if scaling is None or not llama3_scaling:
        return freq
    kind = scaling.get("rope_type", scaling.get("type"))
    assert kind == "llama3", kind
    factor = scaling["factor"]
    low_freq_factor = scaling["low_freq_factor"]
    high_freq_factor = scaling["high_freq_factor"]
    old_context_len = scaling["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / freq
    scaled = torch.where(wavelen > low_freq_wavelen, freq / factor, freq)
    smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium, smoothed, scaled)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(weights, config, ids, dtype=F64, round_to=None, rope=None, interleaved_rope=False, kv_tiled=False,
            lora=None):
    """Logits [T, vocab] for ids, computed in dtype.

    lora: LoRA adapters applied unmerged, as a list of (factor, {module name: (A, B)}): every
    projection named there gets factor * (x A^T) B^T added to its output, bias included
    (module names like "model.layers.0.self_attn.q_proj", A [r, in], B [out, r]).

    round_to: if set (torch.bfloat16 / torch.float16), every intermediate result is rounded to it,
    as an engine computing in that precision with float32 accumulation would (used only to
    estimate errors, never for golden values). rope overrides inv_freq. interleaved_rope applies
    the rotation to adjacent pairs instead and kv_tiled gives query head h the KV head h % kv_heads
    instead of h // n_rep (wrong, to show that the golden values catch these mistakes).
    """
    d = Dims(config)
    w = {name: tensor.to(dtype) for name, tensor in weights.items()}

    def r(x):
        return x if round_to is None else x.to(round_to).to(dtype)

    def linear(x, name):
        y = x @ w[name + ".weight"].T
        if name + ".bias" in w:
            y = y + w[name + ".bias"]
        for factor, pairs in lora or ():
            if name in pairs:
                a, b = pairs[name]
                y = y + factor * ((x @ a.to(dtype).T) @ b.to(dtype).T)
        return r(y)

    def rms_norm(x, name):
        variance = x.pow(2).mean(-1, keepdim=True)
        return r(w[name] * r(x * torch.rsqrt(variance + d.eps)))

    T = len(ids)
    positions = torch.arange(T, dtype=F64)
    freqs = torch.outer(positions, inv_freq(config) if rope is None else rope)
    if interleaved_rope:
        freqs = freqs.repeat_interleave(2, dim=-1)
    else:
        freqs = torch.cat((freqs, freqs), dim=-1)
    cos, sin = r(freqs.cos().to(dtype)), r(freqs.sin().to(dtype))

    def rotate(x):
        if interleaved_rope:
            pairs = x.reshape(*x.shape[:-1], -1, 2)
            rotated = torch.stack((-pairs[..., 1], pairs[..., 0]), dim=-1).reshape(x.shape)
            return r(x * cos + rotated * sin)
        return r(x * cos + rotate_half(x) * sin)

    causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    n_rep = d.heads // d.kv_heads

    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(d.layers):
        p = f"model.layers.{i}."
        h = rms_norm(x, p + "input_layernorm.weight")
        q = linear(h, p + "self_attn.q_proj").view(T, d.heads, d.head_dim).transpose(0, 1)
        k = linear(h, p + "self_attn.k_proj").view(T, d.kv_heads, d.head_dim).transpose(0, 1)
        v = linear(h, p + "self_attn.v_proj").view(T, d.kv_heads, d.head_dim).transpose(0, 1)
        q, k = rotate(q), rotate(k)
        if kv_tiled:
            k, v = k.repeat(n_rep, 1, 1), v.repeat(n_rep, 1, 1)
        else:  # repeat_kv: [kv, T, D] -> [kv, n_rep, T, D] -> [heads, T, D]
            k = k[:, None].expand(d.kv_heads, n_rep, T, d.head_dim).reshape(d.heads, T, d.head_dim)
            v = v[:, None].expand(d.kv_heads, n_rep, T, d.head_dim).reshape(d.heads, T, d.head_dim)
        scores = r(q @ k.transpose(-1, -2) * d.head_dim**-0.5)
        scores = scores.masked_fill(causal, float("-inf"))
        probs = r(torch.softmax(scores, dim=-1))
        attn = r(probs @ v).transpose(0, 1).reshape(T, d.heads * d.head_dim)
        x = r(x + linear(attn, p + "self_attn.o_proj"))
        h = rms_norm(x, p + "post_attention_layernorm.weight")
        gate = linear(h, p + "mlp.gate_proj")
        up = linear(h, p + "mlp.up_proj")
        act = r(r(F.silu(gate)) * up)
        x = r(x + linear(act, p + "mlp.down_proj"))
    x = rms_norm(x, "model.norm.weight")
    head = w["model.embed_tokens.weight"] if d.tied else w["lm_head.weight"]
    return r(x @ head.T)


# ---------------------------------------------------------------------------------------------
# Independent check: Meta's layout, complex rotation, fused attention
# ---------------------------------------------------------------------------------------------


def to_meta_rows(tensor, heads, head_dim):
    """Undo transformers' convert_llama_weights_to_hf permute: HF rows (half, half) -> pairs."""
    rest = tensor.shape[1:]
    return tensor.reshape(heads, 2, head_dim // 2, *rest).transpose(1, 2).reshape(heads * head_dim, *rest)


def meta_frequencies(config):
    """Rotation frequencies one at a time, as Meta's llama3 reference apply_scaling does."""
    dim, theta = Dims(config).head_dim, config["rope_theta"]
    scaling = config.get("rope_scaling")
    out = []
    for i in range(dim // 2):
        freq = 1.0 / theta ** (2 * i / dim)
        if scaling is not None:
            old = scaling["original_max_position_embeddings"]
            low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
            wavelen = 2 * math.pi / freq
            if wavelen < old / high:
                pass
            elif wavelen > old / low:
                freq = freq / scaling["factor"]
            else:
                smooth = (old / wavelen - low) / (high - low)
                freq = (1 - smooth) * freq / scaling["factor"] + smooth * freq
        out.append(freq)
    return torch.tensor(out, dtype=F64)


def forward_meta(weights, config, ids):
    d = Dims(config)
    w = {name: tensor.to(F64) for name, tensor in weights.items()}
    T = len(ids)
    sdpa = torch._C._nn._scaled_dot_product_attention  # PyTorch 1.13's fused kernel

    def norm(x, weight):
        return weight * (x / torch.sqrt((x * x).sum(-1, keepdim=True) / x.shape[-1] + d.eps))

    def proj(x, name, heads=None):
        weight, bias = w[name + ".weight"], w.get(name + ".bias")
        if heads is not None:
            weight = to_meta_rows(weight, heads, d.head_dim)
            bias = None if bias is None else to_meta_rows(bias, heads, d.head_dim)
        y = torch.einsum("ti,oi->to", x, weight)
        return y if bias is None else y + bias

    angles = torch.outer(torch.arange(T, dtype=F64), meta_frequencies(config))
    turn = torch.polar(torch.ones_like(angles), angles)  # [T, D/2] complex128

    def rotate(x):  # x: [T, H, D] with adjacent (real, imag) pairs
        xc = torch.view_as_complex(x.reshape(T, x.shape[1], d.head_dim // 2, 2).contiguous())
        return torch.view_as_real(xc * turn[:, None, :]).reshape(x.shape)

    x = F.embedding(torch.tensor(ids), w["model.embed_tokens.weight"])
    for i in range(d.layers):
        p = f"model.layers.{i}."
        h = norm(x, w[p + "input_layernorm.weight"])
        q = rotate(proj(h, p + "self_attn.q_proj", d.heads).view(T, d.heads, d.head_dim))
        k = rotate(proj(h, p + "self_attn.k_proj", d.kv_heads).view(T, d.kv_heads, d.head_dim))
        v = proj(h, p + "self_attn.v_proj").view(T, d.kv_heads, d.head_dim)
        n_rep = d.heads // d.kv_heads
        k = k.repeat_interleave(n_rep, dim=1)
        v = v.repeat_interleave(n_rep, dim=1)
        out, _ = sdpa(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), None, 0.0, False, True)
        x = x + proj(out.transpose(0, 1).reshape(T, -1), p + "self_attn.o_proj")
        h = norm(x, w[p + "post_attention_layernorm.weight"])
        gate = proj(h, p + "mlp.gate_proj")
        x = x + proj(gate * torch.sigmoid(gate) * proj(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = norm(x, w["model.norm.weight"])
    head = w["model.embed_tokens.weight"] if d.tied else w["lm_head.weight"]
    return torch.einsum("ti,vi->tv", x, head)


def check_rotary():
    """rotate_half on HF rows == complex rotation on Meta rows, for random vectors and angles."""
    gen = torch.Generator().manual_seed(7)
    heads, dim, T = 3, 16, 11
    x = torch.randn(T, heads * dim, generator=gen, dtype=F64)
    freq = torch.rand(dim // 2, generator=gen, dtype=F64)
    angles = torch.outer(torch.arange(T, dtype=F64), freq)
    emb = torch.cat((angles, angles), -1)
    hf = x.view(T, heads, dim) * emb.cos()[:, None] + rotate_half(x.view(T, heads, dim)) * emb.sin()[:, None]
    meta_in = to_meta_rows(x.T, heads, dim).T.reshape(T, heads, dim // 2, 2)
    meta = torch.view_as_real(torch.view_as_complex(meta_in.contiguous()) * torch.polar(torch.ones_like(angles), angles)[:, None])
    # Back to HF order: Meta pair element (p, 0) is HF index p, (p, 1) is HF index p + dim/2.
    back = meta.reshape(T, heads, dim // 2, 2).permute(0, 1, 3, 2).reshape(T, heads, dim)
    err = (hf - back).abs().max().item()
    assert err < 1e-13, f"rotary check failed: {err}"
    return err


# ---------------------------------------------------------------------------------------------
# LoRA adapters (PEFT's files) and their merged logits
# ---------------------------------------------------------------------------------------------


def lora_scale(adapter):
    """PEFT's LoraLayer.update_layer: lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora."""
    if adapter["use_rslora"]:
        return adapter["lora_alpha"] / math.sqrt(adapter["r"])
    return adapter["lora_alpha"] / adapter["r"]


def lora_module_name(layer, module):
    return f"model.layers.{layer}.{'mlp' if module in ('gate_proj', 'up_proj', 'down_proj') else 'self_attn'}.{module}"


def lora_shape(d, module):
    """(out_features, in_features) of a projection."""
    q_out, kv_out = d.heads * d.head_dim, d.kv_heads * d.head_dim
    return {
        "q_proj": (q_out, d.hidden),
        "k_proj": (kv_out, d.hidden),
        "v_proj": (kv_out, d.hidden),
        "o_proj": (d.hidden, q_out),
        "gate_proj": (d.inter, d.hidden),
        "up_proj": (d.inter, d.hidden),
        "down_proj": (d.hidden, d.inter),
    }[module]


def adapter_config_text(case, adapter):
    """adapter_config.json with the keys PEFT's LoraConfig writes that matter for inference."""
    config = {
        "alpha_pattern": {},
        "base_model_name_or_path": case["name"],
        "bias": "none",
        "fan_in_fan_out": False,
        "inference_mode": True,
        "layers_pattern": None,
        "layers_to_transform": None,
        "lora_alpha": adapter["lora_alpha"],
        "lora_dropout": 0.0,
        "modules_to_save": None,
        "peft_type": "LORA",
        "r": adapter["r"],
        "rank_pattern": {},
        "revision": None,
        "target_modules": adapter["target_modules"],
        "task_type": "CAUSAL_LM",
        "use_dora": False,
        "use_rslora": adapter["use_rslora"],
    }
    return config_text(config)


def make_adapter(case, adapter):
    """PEFT's adapter tensors in float32: per layer, per targeted module in LORA_MODULES order,
    lora_A [r, in] ~ N(0, 1/in) then lora_B [out, r] ~ N(0, s^2) with
    s = LORA_STRENGTH / (scale * sqrt(r)), all from one generator seeded with the adapter's seed."""
    d = Dims(case["config"])
    gen = torch.Generator().manual_seed(adapter["seed"])
    r = adapter["r"]
    b_std = LORA_STRENGTH / (lora_scale(adapter) * math.sqrt(r))
    tensors = {}
    for i in range(d.layers):
        for module in LORA_MODULES:
            if module not in adapter["target_modules"]:
                continue
            out_features, in_features = lora_shape(d, module)
            prefix = f"base_model.model.{lora_module_name(i, module)}"
            a = torch.randn((r, in_features), generator=gen, dtype=F64) / math.sqrt(in_features)
            b = torch.randn((out_features, r), generator=gen, dtype=F64) * b_std
            tensors[prefix + ".lora_A.weight"] = a.to(torch.float32)
            tensors[prefix + ".lora_B.weight"] = b.to(torch.float32)
    return tensors


def lora_pairs(tensors):
    """{module name: (A, B)} in float64 from PEFT's tensor names."""
    pairs = {}
    for key in tensors:
        if key.endswith(".lora_A.weight"):
            module = key[len("base_model.model."):-len(".lora_A.weight")]
            pairs[module] = (tensors[key].to(F64), tensors[key.replace(".lora_A.", ".lora_B.")].to(F64))
    assert 2 * len(pairs) == len(tensors)
    return pairs


def merge(weights, lora):
    """The base weights in float64 with W + factor * (B @ A) for every adapted projection."""
    merged = {name: tensor.to(F64) for name, tensor in weights.items()}
    for factor, pairs in lora:
        for module, (a, b) in pairs.items():
            merged[module + ".weight"] = merged[module + ".weight"] + factor * (b @ a)
    return merged


def build_adapters(case, weights, base_logits):
    """Returns {path under the case folder: bytes} for the case's adapters, and prints checks."""
    config, name = case["config"], case["name"]
    files, pairs, golden = {}, {}, {"input_ids": torch.tensor(PROMPT_IDS, dtype=torch.int64)}
    mixes = [(adapter["name"], [(adapter["name"], 1.0)]) for adapter in case["adapters"]]
    mixes.append(("blend", LORA_BLEND))
    by_name = {adapter["name"]: adapter for adapter in case["adapters"]}
    for adapter in case["adapters"]:
        folder = f"adapters/{adapter['name']}/"
        files[folder + "adapter_config.json"] = adapter_config_text(case, adapter).encode("utf-8")
        data = safetensors_bytes(make_adapter(case, adapter), {"format": "pt"})
        files[folder + "adapter_model.safetensors"] = data
        stored, _ = read_safetensors(data)  # golden values come from the bytes as stored
        pairs[adapter["name"]] = lora_pairs(stored)

    print(f"  adapters (relative change of the logits; merged vs unmerged; second implementation; float32 engine):")
    for mix, parts in mixes:
        lora = [(weight * lora_scale(by_name[part]), pairs[part]) for part, weight in parts]
        merged_weights = merge(weights, lora)
        merged = forward(merged_weights, config, PROMPT_IDS)
        unmerged = forward(weights, config, PROMPT_IDS, lora=lora)
        agreement = rel_err(unmerged, merged)
        assert agreement < 1e-12, f"{name}/{mix}: merged and unmerged adapters disagree ({agreement:.3e})"
        meta = rel_err(forward_meta(merged_weights, config, PROMPT_IDS), merged)
        assert meta < 1e-12, f"{name}/{mix}: the two forward passes disagree ({meta:.3e})"
        change = rel_err(merged, base_logits)
        assert 0.02 < change < 1.0, f"{name}/{mix}: the adapter changes the logits by {change:.3e}"
        f32 = rel_err(forward(weights, config, PROMPT_IDS, dtype=torch.float32, lora=lora).to(F64), merged)
        line = f"    {mix:6} change {change:.3f}; {agreement:.1e}; {meta:.1e}; {f32:.1e}"
        rslora = [part for part, _ in parts if by_name[part]["use_rslora"]]
        if rslora:  # rsLoRA read as plain LoRA: lora_alpha / r instead of lora_alpha / sqrt(r)
            plain = [(weight * (by_name[part]["lora_alpha"] / by_name[part]["r"]), pairs[part]) for part, weight in parts]
            line += f"; use_rslora ignored: {rel_err(forward(weights, config, PROMPT_IDS, lora=plain), merged):.2e}"
        if len(parts) > 1:
            summed = [(lora_scale(by_name[part]), pairs[part]) for part, _ in parts]
            line += f"; blend weights ignored: {rel_err(forward(weights, config, PROMPT_IDS, lora=summed), merged):.2e}"
        print(line)
        golden[f"logits.{mix}"] = merged.to(torch.float32)
    files["adapters/golden.safetensors"] = safetensors_bytes(
        golden,
        {"format": "pt", "case": name, "blend": ", ".join(f"{part} {weight}" for part, weight in LORA_BLEND),
         "compute": "float64 forward with the adapters merged, rounded to float32"},
    )
    return files


# ---------------------------------------------------------------------------------------------
# herd-tiny-finetuned: an adapter written by Herd's finetune, checked against PEFT's format
# ---------------------------------------------------------------------------------------------

FINETUNED_CASE = "herd-tiny-finetuned"
FINETUNED_BASE = "herd-tiny-v1"  # the folder Herd's model cache gives herd-tiny (generator version 1)

# herd-tiny's bos (507) and header ids (509, 510), ordinary ids across the vocabulary (1 and the
# last BPE id, 506, included), and <|eot_id|> (511) last.
FINETUNED_PROMPT_IDS = [507, 509, 23, 301, 88, 510, 198, 42, 1, 264, 387, 128, 455, 77, 506, 511]

# Every key PEFT's LoraConfig (and the PeftConfig it extends) has, as of PEFT 0.20. A key outside
# this set is one PEFT does not know: older versions refuse the config, newer ones drop the key.
PEFT_LORA_CONFIG_KEYS = {
    "alora_invocation_tokens", "alpha_pattern", "arrow_config", "auto_mapping", "base_model_name_or_path", "bias",
    "corda_config", "ensure_weight_tying", "eva_config", "exclude_modules", "fan_in_fan_out", "inference_mode",
    "init_lora_weights", "kasa_config", "layer_replication", "layers_pattern", "layers_to_transform",
    "loftq_config", "lora_alpha", "lora_bias", "lora_dropout", "lora_ga_config", "megatron_config",
    "megatron_core", "modules_to_save", "monteclora_config", "peft_type", "peft_version", "qalora_group_size",
    "r", "rank_pattern", "revision", "runtime_config", "target_modules", "target_parameters", "task_type",
    "trainable_token_indices", "use_bdlora", "use_dora", "use_qalora", "use_rslora", "velora_config",
}

# Keys that, if present, must have exactly this value (or, for the None/empty ones, be unset):
# anything else changes what the adapter computes (DoRA, biases, per-module ranks, layers left
# out, extra trained modules, initialisations that rewrite the base weights), so an engine that
# reads only r, lora_alpha, use_rslora and target_modules would compute something else.
PEFT_LORA_FIXED = {
    "bias": "none",
    "fan_in_fan_out": False,
    "use_dora": False,
    "lora_bias": False,
    "use_qalora": False,
}
PEFT_LORA_UNSET = [
    "alpha_pattern", "rank_pattern", "modules_to_save", "layers_to_transform", "layers_pattern", "exclude_modules",
    "layer_replication", "target_parameters", "trainable_token_indices", "alora_invocation_tokens",
    "megatron_config", "eva_config", "corda_config", "lora_ga_config", "loftq_config", "velora_config",
    "monteclora_config", "arrow_config", "kasa_config", "use_bdlora",
]


def default_base_model():
    """Where Herd's ModelLocator keeps herd-tiny: $HERD_MODEL_CACHE, else ~/.cache/herd/models."""
    cache = os.environ.get("HERD_MODEL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "herd", "models")
    return os.path.join(cache, FINETUNED_BASE)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_peft_config(adapter_config, d):
    """adapter_config.json as PEFT's LoraConfig reads it; returns the adapter's {r, lora_alpha,
    use_rslora, target_modules}. Fails on anything PEFT would refuse, and on anything that would
    make PEFT compute something other than W + scale * (B @ A) on the listed modules."""
    problems = []

    def need(condition, message):
        if not condition:
            problems.append(message)

    unknown = sorted(set(adapter_config) - PEFT_LORA_CONFIG_KEYS)
    need(not unknown, f"keys PEFT's LoraConfig does not have: {unknown}")
    need(adapter_config.get("peft_type") == "LORA", f"peft_type {adapter_config.get('peft_type')!r}, not 'LORA'")
    need(adapter_config.get("task_type") == "CAUSAL_LM",
         f"task_type {adapter_config.get('task_type')!r}, not 'CAUSAL_LM' (PeftModelForCausalLM)")
    r = adapter_config.get("r")
    need(isinstance(r, int) and not isinstance(r, bool) and r > 0, f"r {r!r} is not a positive integer")
    alpha = adapter_config.get("lora_alpha")
    need(is_number(alpha) and alpha > 0, f"lora_alpha {alpha!r} is not a positive number")
    rslora = adapter_config.get("use_rslora", False)
    need(isinstance(rslora, bool), f"use_rslora {rslora!r} is not a boolean")
    dropout = adapter_config.get("lora_dropout", 0.0)
    need(is_number(dropout) and 0 <= dropout < 1, f"lora_dropout {dropout!r} is not in [0, 1)")
    need(isinstance(adapter_config.get("inference_mode", False), bool), "inference_mode is not a boolean")
    init = adapter_config.get("init_lora_weights", True)
    need(init is True or init is False or init == "gaussian",
         f"init_lora_weights {init!r}: PEFT would rewrite the base weights or the adapter on load")
    targets = adapter_config.get("target_modules")
    need(isinstance(targets, list) and targets and all(isinstance(t, str) for t in targets),
         f"target_modules {targets!r} is not a non-empty list of names (a string is a regular expression to PEFT)")
    if isinstance(targets, list):
        need(len(set(targets)) == len(targets), f"target_modules {targets} lists a module twice")
        need(set(targets) <= set(LORA_MODULES), f"target_modules {targets}: a Llama model has only {LORA_MODULES}")
    for key, expected in PEFT_LORA_FIXED.items():
        if key in adapter_config:
            value = adapter_config[key]
            need(type(value) is type(expected) and value == expected, f"{key} {value!r}, not {expected!r}")
    for key in PEFT_LORA_UNSET:
        value = adapter_config.get(key)
        need(value is None or value == {} or value == [], f"{key} {value!r} is set")
    if problems:
        raise SystemExit("adapter_config.json is not a plain PEFT LoRA adapter:\n  " + "\n  ".join(problems))
    return {"r": r, "lora_alpha": alpha, "use_rslora": rslora, "target_modules": targets}


def check_peft_tensors(tensors, metadata, adapter, d):
    """adapter_model.safetensors against PEFT's names and shapes: exactly one lora_A [r, in] and one
    lora_B [out, r] per layer and targeted module, F32 and finite. PEFT's load_state_dict would
    fail on a wrong shape, but only warn about a missing tensor (leaving that B at zero) and drop
    an unexpected one, so both are failures here."""
    problems = []
    if metadata.get("format") != "pt":
        problems.append(f"__metadata__ format {metadata.get('format')!r}, not 'pt'")
    expected = {}
    for i in range(d.layers):
        for module in LORA_MODULES:
            if module in adapter["target_modules"]:
                out_features, in_features = lora_shape(d, module)
                prefix = f"base_model.model.{lora_module_name(i, module)}"
                expected[prefix + ".lora_A.weight"] = [adapter["r"], in_features]
                expected[prefix + ".lora_B.weight"] = [out_features, adapter["r"]]
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing:
        problems.append(f"{len(missing)} tensors missing, e.g. {missing[:3]}")
    if unexpected:
        problems.append(f"{len(unexpected)} tensors PEFT does not expect, e.g. {unexpected[:3]}")
    for name in sorted(set(expected) & set(tensors)):
        tensor = tensors[name]
        if list(tensor.shape) != expected[name]:
            problems.append(f"{name}: shape {list(tensor.shape)}, PEFT expects {expected[name]}")
        if tensor.dtype != torch.float32:
            problems.append(f"{name}: {tensor.dtype}, not F32")
        elif not torch.isfinite(tensor).all():
            problems.append(f"{name}: not all values are finite")
    if problems:
        raise SystemExit("adapter_model.safetensors does not match PEFT's layout:\n  " + "\n  ".join(problems))


def read_base_model(folder):
    """herd-tiny's config.json and F32 weights, checked against the Llama layout forward() reads."""
    for file_name in ("config.json", "model.safetensors"):
        if not os.path.exists(os.path.join(folder, file_name)):
            raise SystemExit(f"{folder}/{file_name} is missing: generate herd-tiny with Herd first (any Herd.Node "
                             f"command given --model herd-tiny does), or pass --base-model")
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    assert config["model_type"] == "llama" and config["architectures"] == ["LlamaForCausalLM"], config
    assert config.get("rope_scaling") is None and config["hidden_act"] == "silu"
    assert not config.get("attention_bias", False) and not config.get("mlp_bias", False)
    d = Dims(config)
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        data = f.read()
    weights, _ = read_safetensors(data)
    shapes = {"model.embed_tokens.weight": [d.vocab, d.hidden], "model.norm.weight": [d.hidden]}
    if not d.tied:
        shapes["lm_head.weight"] = [d.vocab, d.hidden]
    for i in range(d.layers):
        shapes[f"model.layers.{i}.input_layernorm.weight"] = [d.hidden]
        shapes[f"model.layers.{i}.post_attention_layernorm.weight"] = [d.hidden]
        for module in LORA_MODULES:
            shapes[lora_module_name(i, module) + ".weight"] = list(lora_shape(d, module))
    assert {name: list(t.shape) for name, t in weights.items()} == shapes, "unexpected tensors in model.safetensors"
    assert all(t.dtype == torch.float32 for t in weights.values())
    return config, weights, data


def build_finetuned(base_folder, case_folder):
    """golden.safetensors for the Herd-written adapter in case_folder/adapter over herd-tiny."""
    config, weights, base_bytes = read_base_model(base_folder)
    d = Dims(config)
    ids = FINETUNED_PROMPT_IDS
    assert len(ids) == 16 and all(1 <= i < d.vocab for i in ids) and ids[0] == config["bos_token_id"]

    adapter_folder = os.path.join(case_folder, "adapter")
    with open(os.path.join(adapter_folder, "adapter_config.json")) as f:
        adapter = check_peft_config(json.load(f), d)
    with open(os.path.join(adapter_folder, "adapter_model.safetensors"), "rb") as f:
        adapter_bytes = f.read()
    stored, metadata = read_safetensors(adapter_bytes)
    check_peft_tensors(stored, metadata, adapter, d)
    pairs = lora_pairs(stored)
    scale = lora_scale(adapter)
    lora = [(scale, pairs)]

    base = forward(weights, config, ids)
    meta_base = rel_err(forward_meta(weights, config, ids), base)
    assert meta_base < 1e-12, f"{FINETUNED_CASE}: the two forward passes disagree on the base ({meta_base:.3e})"
    merged_weights = merge(weights, lora)
    merged = forward(merged_weights, config, ids)
    unmerged = forward(weights, config, ids, lora=lora)
    agreement = rel_err(unmerged, merged)
    assert agreement < 1e-12, f"{FINETUNED_CASE}: merged and unmerged adapter disagree ({agreement:.3e})"
    meta = rel_err(forward_meta(merged_weights, config, ids), merged)
    assert meta < 1e-12, f"{FINETUNED_CASE}: the two forward passes disagree on the merged model ({meta:.3e})"
    change = rel_err(merged, base)
    assert 1e-3 < change < 10.0, f"{FINETUNED_CASE}: the adapter changes the logits by {change:.3e}"
    f32 = rel_err(forward(weights, config, ids, dtype=torch.float32, lora=lora).to(F64), merged)
    f32_base = rel_err(forward(weights, config, ids, dtype=torch.float32).to(F64), base)
    # Per-module size of the update, relative to the weight it adds to.
    update = max(((scale * (b @ a)).norm() / weights[module + ".weight"].to(F64).norm()).item()
                 for module, (a, b) in pairs.items())

    print(f"{FINETUNED_CASE}: herd-tiny from {base_folder}, {sum(t.numel() for t in weights.values())} parameters")
    print(f"  adapter: r {adapter['r']}, lora_alpha {adapter['lora_alpha']}, use_rslora {adapter['use_rslora']}, "
          f"scale {scale:g}, {len(pairs)} projections ({', '.join(adapter['target_modules'])}); "
          f"config and tensors match PEFT's format")
    print(f"  largest |scale * B @ A| / |W| over the projections {update:.3e}")
    print(f"  logits.base [{len(ids)}, {d.vocab}]: min {base.min().item():.4f}, max {base.max().item():.4f}; "
          f"second implementation agrees to {meta_base:.1e}; float32 engine {f32_base:.1e}")
    print(f"  logits.adapter: change vs base {change:.4f}; merged vs unmerged {agreement:.1e}; "
          f"second implementation {meta:.1e}; float32 engine unmerged {f32:.1e}")
    golden = {
        "input_ids": torch.tensor(ids, dtype=torch.int64),
        "logits.base": base.to(torch.float32),
        "logits.adapter": merged.to(torch.float32),
    }
    return safetensors_bytes(golden, {
        "format": "pt",
        "case": FINETUNED_CASE,
        "base_model": f"{FINETUNED_BASE} model.safetensors sha256 {hashlib.sha256(base_bytes).hexdigest()}",
        "adapter": f"adapter/adapter_model.safetensors sha256 {hashlib.sha256(adapter_bytes).hexdigest()}",
        "compute": "float64 forward, adapter merged (W + lora_alpha / r * B @ A), rounded to float32",
    })


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def config_text(config):
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


def rel_err(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def greedy(weights, config, prompt, steps):
    ids = list(prompt)
    margins = []
    for _ in range(steps):
        last = forward(weights, config, ids)[-1]
        top = torch.topk(last, 2).values
        margins.append((top[0] - top[1]).item())
        ids.append(int(last.argmax()))
    return ids[len(prompt):], margins


def build_case(case):
    """Returns {file name: bytes} for the case, and prints its summary."""
    config = case["config"]
    name = case["name"]
    d = Dims(config)
    files = {"config.json": config_text(config).encode("utf-8")}

    model_bytes = safetensors_bytes(make_weights(case), {"format": "pt"})
    files["model.safetensors"] = model_bytes
    weights, _ = read_safetensors(model_bytes)  # golden values come from the bytes as stored
    assert all(t.dtype == case["dtype"] for t in weights.values())
    assert ("lm_head.weight" in weights) != d.tied

    logits = forward(weights, config, PROMPT_IDS)
    meta = forward_meta(weights, config, PROMPT_IDS)
    agreement = rel_err(meta, logits)
    assert agreement < 1e-12, f"{name}: the two forward passes disagree ({agreement:.3e})"

    golden = {
        "input_ids": torch.tensor(PROMPT_IDS, dtype=torch.int64),
        "logits": logits.to(torch.float32),
    }
    files["golden.safetensors"] = safetensors_bytes(
        golden, {"format": "pt", "case": name, "compute": "float64 forward, rounded to float32"}
    )

    # How far typical engine precisions land from the golden values (metric: max|a-b| / max|b|).
    f32 = rel_err(forward(weights, config, PROMPT_IDS, dtype=torch.float32).to(F64), logits)
    f32_hf_rope = rel_err(
        forward(weights, config, PROMPT_IDS, dtype=torch.float32, rope=inv_freq(config).float().to(F64)).to(F64),
        logits,
    )
    bf16 = rel_err(forward(weights, config, PROMPT_IDS, dtype=torch.float32, round_to=torch.bfloat16).to(F64), logits)
    f16 = rel_err(forward(weights, config, PROMPT_IDS, dtype=torch.float32, round_to=torch.float16).to(F64), logits)
    # And how far common mistakes land (the golden values must catch them).
    other_eps = dict(config, rms_norm_eps=1e-6 if config["rms_norm_eps"] != 1e-6 else 1e-5)
    mistakes = {
        f"rms_norm_eps {other_eps['rms_norm_eps']:g}": rel_err(forward(weights, other_eps, PROMPT_IDS), logits),
        "interleaved rope": rel_err(forward(weights, config, PROMPT_IDS, interleaved_rope=True), logits),
        "KV heads tiled": rel_err(forward(weights, config, PROMPT_IDS, kv_tiled=True), logits),
    }
    if config.get("rope_scaling"):
        mistakes["llama3 scaling ignored"] = rel_err(
            forward(weights, config, PROMPT_IDS, rope=inv_freq(config, llama3_scaling=False)), logits
        )
    if d.qkv_bias:
        no_bias = {k: v for k, v in weights.items() if not k.endswith(".bias")}
        mistakes["q/k/v biases ignored"] = rel_err(forward(no_bias, config, PROMPT_IDS), logits)

    params = sum(t.numel() for t in weights.values())
    print(f"{name}: {config['architectures'][0]}, {case['dtype']}, {params} parameters, "
          f"{len(weights)} tensors")
    print(f"  logits [{len(PROMPT_IDS)}, {d.vocab}]: min {logits.min().item():.4f}, "
          f"max {logits.max().item():.4f}, std {logits.std().item():.4f}")
    print(f"  second implementation agrees to {agreement:.2e}")
    print(f"  error of an engine computing in float32 {f32:.2e} (float32 inv_freq as HF: {f32_hf_rope:.2e}), "
          f"bfloat16 {bf16:.2e}, float16 {f16:.2e}")
    print("  " + ", ".join(f"{k}: {v:.2e}" for k, v in mistakes.items()))
    if config.get("rope_scaling"):
        print(f"  inv_freq default {[round(v, 6) for v in inv_freq(config, False).tolist()]}")
        print(f"  inv_freq llama3  {[round(v, 6) for v in inv_freq(config).tolist()]}")

    if case.get("generation"):
        new_ids, margins = greedy(weights, config, PROMPT_IDS, GREEDY_NEW_TOKENS)
        assert min(margins) > 1e-2, f"{name}: a greedy step is a near tie ({min(margins):.3e})"
        files["generation.json"] = (
            json.dumps({"prompt_ids": PROMPT_IDS, "greedy_ids": new_ids}) + "\n"
        ).encode("utf-8")
        print(f"  greedy {new_ids}, smallest top-1/top-2 logit gap {min(margins):.4f}")
    if case.get("adapters"):
        files.update(build_adapters(case, weights, logits))
    for file_name, data in files.items():
        print(f"  {file_name:40} {len(data):8} bytes")
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the files on disk instead of writing them; exit 1 on a difference")
    parser.add_argument("--out", default=GOLDEN_DIR, help=f"output folder (default {GOLDEN_DIR})")
    parser.add_argument("--finetuned", action="store_true",
                        help=f"instead of the random cases, check {FINETUNED_CASE}/adapter (written by Herd's "
                             f"finetune) against PEFT's format and write {FINETUNED_CASE}/golden.safetensors")
    parser.add_argument("--base-model", default=default_base_model(),
                        help="with --finetuned: herd-tiny's folder (default $HERD_MODEL_CACHE/herd-tiny-v1, "
                             "else ~/.cache/herd/models/herd-tiny-v1)")
    args = parser.parse_args()

    torch.set_num_threads(1)  # one thread: the same summation order on every run
    print(f"rotary layouts agree to {check_rotary():.1e}")
    if args.finetuned:
        path = os.path.join(args.out, FINETUNED_CASE, "golden.safetensors")
        data = build_finetuned(args.base_model, os.path.join(args.out, FINETUNED_CASE))
        print(f"  {FINETUNED_CASE}/golden.safetensors {len(data):8} bytes")
        if args.check:
            same = os.path.exists(path) and open(path, "rb").read() == data
            print("all files identical" if same else f"differs: {path}")
            return 0 if same else 1
        with open(path, "wb") as f:
            f.write(data)
        return 0
    different = []
    for case in CASES:
        folder = os.path.join(args.out, case["name"])
        for file_name, data in build_case(case).items():
            path = os.path.join(folder, file_name)
            if args.check:
                if not os.path.exists(path) or open(path, "rb").read() != data:
                    different.append(path)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
    if args.check:
        for path in different:
            print(f"differs: {path}")
        print("all files identical" if not different else f"{len(different)} files differ")
        return 1 if different else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
