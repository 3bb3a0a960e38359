#pragma once
/// The entry point for running an encoder over many sequences: owns the model, the thread pool
/// and the batching policy.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <vector>

#include "model/bert.hpp"
#include "model/kernels/thread_pool.hpp"

namespace cascade::model {

struct EncoderOptions {
    std::size_t batch_size = 32;  ///< sequences per forward pass
    int threads = 1;              ///< worker threads, also the OpenBLAS thread count
    bool int8 = false;            ///< dynamic int8 quantization of the encoder's linear layers
    bool bf16 = false;            ///< bf16 weights in the encoder's linear layers (not with int8)
};

/// Runs a BertModel over any number of sequences. Sequences are sorted by length and cut into
/// batches of similar lengths; inside a batch they are packed without padding, so no work is
/// spent on pad tokens. Results come back in input order.
class Encoder {
public:
    Encoder(const std::filesystem::path& model_dir, EncoderOptions options);

    [[nodiscard]] const ModelConfig& config() const { return m_model->config(); }
    /// Head output per sequence (logits or pooled embedding), in input order.
    [[nodiscard]] std::vector<std::vector<float>> run(const std::vector<Sequence>& sequences);
    /// The same on `threads` threads, clamped to [1, options.threads]. A pool per thread count
    /// is started on its first use and kept, so no call after that starts threads. Like run(),
    /// not for concurrent calls on one Encoder.
    [[nodiscard]] std::vector<std::vector<float>> run(const std::vector<Sequence>& sequences,
                                                      std::size_t threads);

private:
    [[nodiscard]] kernels::ThreadPool& pool(std::size_t threads);

    std::unique_ptr<BertModel> m_model;
    EncoderOptions m_options;
    /// m_pools[t - 1] runs t threads; the full pool is made at construction, others on demand.
    std::vector<std::unique_ptr<kernels::ThreadPool>> m_pools;
};

}  // namespace cascade::model
