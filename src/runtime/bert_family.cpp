#include "runtime/bert_family.hpp"

#include "model/text_encoders.hpp"

namespace cascade::runtime {

model::EncoderOptions encoder_options(const ModelOptions& options, std::size_t threads) {
    model::EncoderOptions out;
    out.batch_size = options.batch_size;
    out.threads = static_cast<int>(threads);
    out.int8 = options.precision == Precision::Int8;
    out.bf16 = options.precision == Precision::Bf16;
    return out;
}

namespace {

/// CrossEncoder split in two: tokenization (any thread) and the forward pass (the worker).
class BertCrossEncoder final : public Model, private model::CrossEncoder {
public:
    BertCrossEncoder(const ModelOptions& options, std::size_t threads)
        : model::CrossEncoder(options.dir, encoder_options(options, threads), options.max_length) {}

    Task task() const override { return Task::ScorePairs; }
    std::size_t max_length() const override { return model::CrossEncoder::max_length(); }
    std::size_t output_width() const override { return 1; }

    std::vector<model::Encoding> encode_pairs(
        const std::string& query, std::span<const std::string> documents, std::size_t max_length,
        std::string_view /*instruction*/ = {}) const override {
        std::vector<model::Encoding> out;
        out.reserve(documents.size());
        for (const auto& d : documents)
            out.push_back(tokenizer().encode_pair(query, d, max_length));
        return out;
    }

    std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                               std::size_t threads) override {
        const auto logits = run(encodings, threads);
        std::vector<float> scores;
        scores.reserve(logits.size());
        // As CrossEncoder::score: the single logit, or label 1 ("relevant") of two.
        for (const auto& l : logits)
            scores.push_back(l.size() == 1 ? l[0] : l[1]);
        return scores;
    }
};

class BertBiEncoder final : public Model, private model::BiEncoder {
public:
    BertBiEncoder(const ModelOptions& options, std::size_t threads)
        : model::BiEncoder(options.dir, encoder_options(options, threads), options.max_length) {}

    Task task() const override { return Task::EmbedTexts; }
    std::size_t max_length() const override { return model::BiEncoder::max_length(); }
    std::size_t output_width() const override {
        return static_cast<std::size_t>(config().hidden_size);
    }

    std::vector<model::Encoding> encode_texts(std::span<const std::string> texts,
                                              std::size_t max_length) const override {
        return tokenizer().encode_batch(std::vector<std::string>(texts.begin(), texts.end()), true,
                                        max_length);
    }

    std::vector<float> forward(const std::vector<model::Encoding>& encodings,
                               std::size_t threads) override {
        const auto vectors = run(encodings, threads);
        std::vector<float> out;
        out.reserve(vectors.size() * output_width());
        for (const auto& v : vectors)
            out.insert(out.end(), v.begin(), v.end());
        return out;
    }
};

}  // namespace

std::unique_ptr<Model> load_bert_model(const ModelOptions& options, Task task,
                                       std::size_t threads) {
    if (task == Task::ScorePairs)
        return std::make_unique<BertCrossEncoder>(options, threads);
    return std::make_unique<BertBiEncoder>(options, threads);
}

}  // namespace cascade::runtime
