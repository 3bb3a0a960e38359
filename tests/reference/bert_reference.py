"""A small PyTorch implementation of BERT-family encoders, used to produce golden outputs.

Written from the BERT paper (Devlin et al., 2019) and the documented Hugging Face conventions
(tensor names, post-LayerNorm blocks, exact GELU, XLM-R position ids that count non-padding
tokens from padding_idx + 1, BERT tanh pooler / RoBERTa classification head, sentence-
transformers mean/CLS pooling and Normalize). It runs padded batches with an additive
attention mask exactly as transformers does, so comparing against the packed C++ engine also
checks that padding never leaks into the results.
"""
import math

import torch


class Encoder:
    """Weights (a state dict of float tensors, cast to `dtype`) plus the config dict."""

    def __init__(self, config, state, dtype=torch.float64, head="classification",
                 pooling="cls", normalize=False):
        self.c = config
        self.dtype = dtype
        self.head = head
        self.pooling = pooling
        self.normalize = normalize
        self.xlmr = config["model_type"] in ("xlm-roberta", "roberta")
        prefix = ""
        for p in ("bert.", "roberta.", ""):
            if p + "embeddings.word_embeddings.weight" in state:
                prefix = p
                break
        self.w = {k[len(prefix):] if k.startswith(prefix) else k: v.to(dtype)
                  for k, v in state.items()}

    def _linear(self, x, name):
        return torch.nn.functional.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _norm(self, x, name):
        return torch.nn.functional.layer_norm(
            x, (x.shape[-1],), self.w[name + ".weight"], self.w[name + ".bias"],
            self.c["layer_norm_eps"])

    def positions(self, ids):
        if not self.xlmr:
            return torch.arange(ids.shape[1]).expand_as(ids)
        pad = self.c["pad_token_id"]
        mask = (ids != pad).long()
        return torch.cumsum(mask, dim=1) * mask + pad

    def hidden_states(self, ids, types, mask):
        """ids, types, mask: [B, L] long tensors (mask 1 = real token). Returns [B, L, H]."""
        c = self.c
        x = (self.w["embeddings.word_embeddings.weight"][ids]
             + self.w["embeddings.position_embeddings.weight"][self.positions(ids)]
             + self.w["embeddings.token_type_embeddings.weight"][types])
        x = self._norm(x, "embeddings.LayerNorm")
        b, l, h = x.shape
        heads = c["num_attention_heads"]
        d = h // heads
        bias = (1.0 - mask.to(self.dtype))[:, None, None, :] * torch.finfo(self.dtype).min
        for i in range(c["num_hidden_layers"]):
            p = f"encoder.layer.{i}."

            def split(t):
                return t.view(b, l, heads, d).transpose(1, 2)

            q = split(self._linear(x, p + "attention.self.query"))
            k = split(self._linear(x, p + "attention.self.key"))
            v = split(self._linear(x, p + "attention.self.value"))
            scores = q @ k.transpose(-1, -2) / math.sqrt(d) + bias
            ctx = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, l, h)
            x = self._norm(x + self._linear(ctx, p + "attention.output.dense"),
                           p + "attention.output.LayerNorm")
            f = torch.nn.functional.gelu(self._linear(x, p + "intermediate.dense"))
            x = self._norm(x + self._linear(f, p + "output.dense"), p + "output.LayerNorm")
        return x

    def forward(self, sequences):
        """sequences: list of (input_ids, token_type_ids) lists. Returns one list per sequence:
        logits for a classification head, else the pooled embedding."""
        pad = self.c["pad_token_id"]
        length = max(len(s[0]) for s in sequences)
        ids = torch.full((len(sequences), length), pad, dtype=torch.long)
        types = torch.zeros_like(ids)
        mask = torch.zeros_like(ids)
        for r, (i, t) in enumerate(sequences):
            ids[r, :len(i)] = torch.tensor(i)
            types[r, :len(t)] = torch.tensor(t)
            mask[r, :len(i)] = 1
        x = self.hidden_states(ids, types, mask)
        if self.head == "classification":
            first = x[:, 0]
            if self.xlmr:
                pooled = torch.tanh(self._linear(first, "classifier.dense"))
                out = self._linear(pooled, "classifier.out_proj")
            else:
                pooled = torch.tanh(self._linear(first, "pooler.dense"))
                out = self._linear(pooled, "classifier")
        else:
            if self.pooling == "cls":
                out = x[:, 0]
            else:
                m = mask.to(self.dtype)[:, :, None]
                out = (x * m).sum(1) / m.sum(1)
            if self.normalize:
                out = torch.nn.functional.normalize(out, p=2, dim=1)
        return out.tolist()
