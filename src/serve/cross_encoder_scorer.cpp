#include "serve/cross_encoder_scorer.hpp"

namespace cascade::serve {
namespace {

/// CrossEncoder split in two: tokenization (any thread) and the forward pass (the worker).
class CrossEncoderScorer final : public PairScorer, private model::CrossEncoder {
public:
    CrossEncoderScorer(const std::filesystem::path& dir, model::EncoderOptions options)
        : model::CrossEncoder(dir, options) {}

    std::vector<model::Encoding> encode(const std::string& query,
                                        std::span<const std::string> documents,
                                        std::size_t max_length) const override {
        std::vector<model::Encoding> out;
        out.reserve(documents.size());
        for (const auto& d : documents)
            out.push_back(tokenizer().encode_pair(query, d, max_length));
        return out;
    }

    std::vector<float> score(const std::vector<model::Encoding>& encodings,
                             std::size_t threads) override {
        const auto logits = run(encodings, threads);
        std::vector<float> scores;
        scores.reserve(logits.size());
        // As CrossEncoder::score: the single logit, or label 1 ("relevant") of two.
        for (const auto& l : logits)
            scores.push_back(l.size() == 1 ? l[0] : l[1]);
        return scores;
    }

    std::size_t max_length() const override { return model::CrossEncoder::max_length(); }
};

}  // namespace

std::unique_ptr<PairScorer> load_cross_encoder(const std::filesystem::path& dir,
                                               model::EncoderOptions options) {
    return std::make_unique<CrossEncoderScorer>(dir, options);
}

}  // namespace cascade::serve
