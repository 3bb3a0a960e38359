#pragma once
/// Checkpoints in the `.bin` layout of Karpathy's llama2.c (`run.c`, MIT licence), such as the
/// tinyllamas "stories" models: a header of seven little-endian int32 — dim, hidden_dim,
/// n_layers, n_heads, n_kv_heads, vocab_size, seq_len — then float32 tensors in this order:
/// token embeddings [vocab, dim]; for all layers rms_att [dim], wq [heads·hd, dim],
/// wk [kv·hd, dim], wv [kv·hd, dim], wo [dim, heads·hd], rms_ffn [dim], w1 [hidden, dim],
/// w2 [dim, hidden], w3 [hidden, dim] (each kind stored for every layer before the next
/// kind); rms_final [dim]; two unused RoPE tables of seq_len · hd/2 floats; and the classifier
/// [vocab, dim] only when vocab_size is negative (positive = shared with the embeddings).
///
/// The network is Llama: RMSNorm eps 1e-5, RoPE theta 10000 on interleaved pairs (x_2i,
/// x_2i+1), w1 = gate, w3 = up, w2 = down. The loader permutes the rows of wq and wk inside
/// each head so that pair i becomes (i, i + hd/2) — the rotate-half layout of Hugging Face
/// checkpoints — which leaves every attention score unchanged, so the model runs on the same
/// DecoderModel code.

#include <filesystem>

#include "model/decoder.hpp"

namespace cascade::model {

/// Reads a llama2.c checkpoint as a LlamaForCausalLM DecoderModel (max_position_embeddings =
/// seq_len). Throws CorruptionError naming the file for a bad header or a size that does not
/// match it, IoError when it cannot be read.
[[nodiscard]] DecoderModel load_llama2c(const std::filesystem::path& file);

}  // namespace cascade::model
