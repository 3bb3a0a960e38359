#pragma once
/// The BERT family (BERT, XLM-R) behind the runtime's Model seam: ...ForSequenceClassification
/// folders score pairs (cross-encoders), embedding folders embed texts (bi-encoders), on the CPU
/// engine of src/model/.

#include <memory>

#include "model/encoder.hpp"
#include "runtime/model.hpp"
#include "runtime/model_options.hpp"

namespace cascade::runtime {

/// The encoder engine's options for a BERT-family replica (also the token encoders': SPLADE,
/// ColBERT, TILDE): batch size, `threads`, and the precision's int8 or bf16 linear layers.
[[nodiscard]] model::EncoderOptions encoder_options(const ModelOptions& options,
                                                    std::size_t threads);

/// Loads one replica of the BERT-family model in `options.dir` for `task`, with `threads`
/// forward-pass threads. Throws cascade::Error naming the folder when it is not a model of
/// that kind (e.g. an embedding model asked to score pairs).
[[nodiscard]] std::unique_ptr<Model> load_bert_model(const ModelOptions& options, Task task,
                                                     std::size_t threads);

}  // namespace cascade::runtime
