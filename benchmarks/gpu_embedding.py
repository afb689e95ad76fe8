"""Embedding throughput of multilingual-e5-small's architecture on a GPU (or the CPU), at random
weights: sentences per second by batch size, in fp32 and fp16.

    python benchmarks/gpu_embedding.py [--device cuda] [--tokens 40] [--batches 32,256,1024,4096]
                                       [--tokenizer DIR]

It needs only torch and transformers, not claimwatch, so it runs on a machine that has no copy of
the model: a ``BertConfig`` of e5-small's shape (12 layers, hidden 384, 12 heads, intermediate
1536, vocabulary 250,037) costs the same arithmetic as the real weights, and the weights are
random, so the figures are throughput only, never quality. With ``--tokenizer`` (the built model
directory, which holds the tokenizer) the bundled labelled sentences are tokenised for real, with
their own lengths; without it every sentence is ``--tokens`` long. Mean pooling and normalisation
are included, as in the product.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from transformers import AutoTokenizer, BertConfig, BertModel

E5_SMALL = {
    "num_hidden_layers": 12,
    "hidden_size": 384,
    "num_attention_heads": 12,
    "intermediate_size": 1536,
    "vocab_size": 250037,
    "max_position_embeddings": 512,
}
SENTENCES = Path(__file__).resolve().parent.parent / "pipeline" / "data"


def synthetic_batch(size: int, tokens: int, device: str) -> dict[str, torch.Tensor]:
    ids = torch.randint(5, E5_SMALL["vocab_size"], (size, tokens), device=device)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids)}


def real_batch(tokenizer_dir: str, size: int, device: str) -> dict[str, torch.Tensor]:
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, local_files_only=True)
    texts = [
        "query: " + json.loads(line)["text"]
        for name in ("seed_sentences.jsonl", "eval_sentences.jsonl")
        for line in (SENTENCES / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    texts = (texts * (size // len(texts) + 1))[:size]
    encoded = tokenizer(texts, padding=True, truncation=True, max_length=512, return_tensors="pt")
    return {k: v.to(device) for k, v in encoded.items() if k in ("input_ids", "attention_mask")}


def embed(model: BertModel, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
    return torch.nn.functional.normalize(pooled, dim=-1)


def throughput(
    model: BertModel, batch: dict[str, torch.Tensor], device: str, repeats: int
) -> float:
    with torch.inference_mode():
        embed(model, batch)  # warm-up
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        for _ in range(repeats):
            embed(model, batch)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
    return repeats * len(batch["input_ids"]) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tokens", type=int, default=40, help="tokens per synthetic sentence")
    parser.add_argument("--batches", default="32,256,1024,4096", help="batch sizes")
    parser.add_argument("--repeats", type=int, default=5, help="timed batches per setting")
    parser.add_argument("--tokenizer", help="directory of the built model (for real tokens)")
    parser.add_argument("--dtypes", default="float32,float16", help="weight dtypes to try")
    options = parser.parse_args()
    name = torch.cuda.get_device_name(0) if options.device.startswith("cuda") else "CPU"
    print(f"e5-small architecture, random weights, on {name} (torch {torch.__version__})")
    for dtype_name in options.dtypes.split(","):
        dtype = getattr(torch, dtype_name)
        if dtype == torch.float16 and options.device == "cpu":
            continue
        model = BertModel(BertConfig(**E5_SMALL), add_pooling_layer=False)
        model = model.to(options.device, dtype=dtype).eval()
        for size in [int(b) for b in options.batches.split(",")]:
            if options.tokenizer:
                batch = real_batch(options.tokenizer, size, options.device)
            else:
                batch = synthetic_batch(size, options.tokens, options.device)
            rate = throughput(model, batch, options.device, options.repeats)
            shape = "x".join(str(d) for d in batch["input_ids"].shape)
            print(f"  {dtype_name:8s} batch {shape:>10s}: {rate:10.0f} sentences/s")
        if options.device.startswith("cuda"):
            peak = torch.cuda.max_memory_allocated() / 2**20
            print(f"  peak GPU memory {peak:.0f} MiB")
        del model


if __name__ == "__main__":
    main()
