#pragma once
/// Post-processors of Hugging Face `tokenizers` (tokenizers/src/processors/): they add the
/// special tokens around one sequence or a pair and assign token type ids.

#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cascade::model::tok {

/// Token ids and type ids of one sequence (before) or the merged result (after).
struct IdSequence {
    std::vector<std::int32_t> ids;
    std::vector<std::int32_t> type_ids;
};

/// Adds special tokens. Implementations are immutable and thread-safe.
class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    /// Number of special tokens process() adds to a single sequence or a pair.
    [[nodiscard]] virtual std::size_t added_tokens(bool pair) const = 0;
    /// Merges `a` and the optional `b` into the model input.
    [[nodiscard]] virtual IdSequence process(const IdSequence& a, const IdSequence* b,
                                             bool add_special_tokens) const = 0;
};

/// HF's behaviour without a post-processor: concatenation, type ids kept.
IdSequence default_process(const IdSequence& a, const IdSequence* b);

/// Builds the post-processor described by `config` (null gives nullptr). Supported types:
/// TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence.
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& config);

}  // namespace cascade::model::tok
