"""A NumPy re-statement of llama2.c's `run.c` forward pass, for the stories260K goldens.

Reads the .bin checkpoint (7 int32 header, float32 tensors; a positive vocab_size means the
classifier shares the embedding table) and runs one token at a time with a key/value cache,
exactly in run.c's order of operations but in float64: RMSNorm (eps 1e-5), RoPE on the
interleaved pairs (x[2i], x[2i+1]) with freq = 10000^(-(i mod head_size)/head_size) over even
i, multi-query grouping h // (n_heads / n_kv_heads), SwiGLU w2(silu(w1 x) * w3 x).
"""
import numpy as np


class Llama2c:
    def __init__(self, path):
        raw = open(path, "rb").read()
        hdr = np.frombuffer(raw[:28], dtype="<i4")
        (self.dim, self.hidden, self.layers, self.heads, self.kv_heads, vocab,
         self.seq_len) = [int(v) for v in hdr]
        self.shared = vocab > 0
        self.vocab = abs(vocab)
        self.hs = self.dim // self.heads
        kv_dim = self.kv_heads * self.hs
        f = np.frombuffer(raw[28:], dtype="<f4").astype(np.float64)
        at = 0

        def take(*shape):
            nonlocal at
            n = int(np.prod(shape))
            out = f[at:at + n].reshape(shape)
            at += n
            return out

        D, F, L = self.dim, self.hidden, self.layers
        self.emb = take(self.vocab, D)
        self.rms_att = take(L, D)
        self.wq = take(L, D, D)
        self.wk = take(L, kv_dim, D)
        self.wv = take(L, kv_dim, D)
        self.wo = take(L, D, D)
        self.rms_ffn = take(L, D)
        self.w1 = take(L, F, D)
        self.w2 = take(L, D, F)
        self.w3 = take(L, F, D)
        self.rms_final = take(D)
        take(self.seq_len * self.hs // 2)
        take(self.seq_len * self.hs // 2)
        self.wcls = self.emb if self.shared else take(self.vocab, D)
        assert at == f.size, (at, f.size)

    @staticmethod
    def rmsnorm(x, w):
        return w * (x / np.sqrt(np.mean(x * x) + 1e-5))

    def rope(self, vec, pos):
        out = vec.copy()
        for i in range(0, vec.size, 2):
            freq = 1.0 / 10000.0 ** ((i % self.hs) / self.hs)
            c, s = np.cos(pos * freq), np.sin(pos * freq)
            out[i] = vec[i] * c - vec[i + 1] * s
            out[i + 1] = vec[i] * s + vec[i + 1] * c
        return out

    def run(self, tokens):
        """Logits [len(tokens), vocab] with a KV cache, one token at a time as run.c does."""
        kc = [[] for _ in range(self.layers)]
        vc = [[] for _ in range(self.layers)]
        group = self.heads // self.kv_heads
        out = []
        for pos, tok in enumerate(tokens):
            x = self.emb[tok].copy()
            for l in range(self.layers):
                h = self.rmsnorm(x, self.rms_att[l])
                q = self.rope(self.wq[l] @ h, pos)
                kc[l].append(self.rope(self.wk[l] @ h, pos))
                vc[l].append(self.wv[l] @ h)
                K, V = np.array(kc[l]), np.array(vc[l])
                ctx = np.zeros(self.dim)
                for hh in range(self.heads):
                    kh = hh // group
                    qh = q[hh * self.hs:(hh + 1) * self.hs]
                    ks = K[:, kh * self.hs:(kh + 1) * self.hs]
                    sc = ks @ qh / np.sqrt(self.hs)
                    p = np.exp(sc - sc.max())
                    p /= p.sum()
                    ctx[hh * self.hs:(hh + 1) * self.hs] = p @ V[:, kh * self.hs:(kh + 1) * self.hs]
                x = x + self.wo[l] @ ctx
                h = self.rmsnorm(x, self.rms_ffn[l])
                g = self.w1[l] @ h
                x = x + self.w2[l] @ (g / (1.0 + np.exp(-g)) * (self.w3[l] @ h))
            out.append(self.wcls @ self.rmsnorm(x, self.rms_final))
        return np.array(out)

    def greedy(self, tokens, n):
        """n greedy tokens after `tokens` (argmax, as run.c at temperature 0), and the smallest
        top-1/top-2 logit gap seen."""
        seq, gen, gap = list(tokens), [], float("inf")
        for _ in range(n):
            row = self.run(seq)[-1]
            top = np.sort(row)[-2:]
            gap = min(gap, float(top[1] - top[0]))
            t = int(np.argmax(row))
            gen.append(t)
            seq.append(t)
        return gen, gap
