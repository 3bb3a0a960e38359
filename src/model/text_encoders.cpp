#include "model/text_encoders.hpp"

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::model {
namespace {

std::vector<Sequence> to_sequences(const std::vector<Encoding>& encodings) {
    std::vector<Sequence> out;
    out.reserve(encodings.size());
    for (const auto& e : encodings) {
        Sequence s;
        for (std::size_t i = 0; i < e.ids.size(); ++i) {
            if (!e.attention_mask.empty() && e.attention_mask[i] == 0)
                continue;  // no padding
            s.input_ids.push_back(e.ids[i]);
            s.token_type_ids.push_back(e.type_ids.empty() ? 0 : e.type_ids[i]);
        }
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace

TextModel::TextModel(const std::filesystem::path& dir, EncoderOptions options,
                     std::size_t max_length)
    : m_tokenizer(Tokenizer::from_model_dir(dir)), m_encoder(dir, options) {
    const auto model_max = static_cast<std::size_t>(m_encoder.config().max_sequence_length());
    if (max_length == 0)
        max_length = m_tokenizer.truncation() ? m_tokenizer.truncation()->max_length : model_max;
    if (max_length > model_max)
        throw UsageError(fmt::format("--max-length {} exceeds the model's maximum of {} tokens",
                                     max_length, model_max));
    if (max_length < m_tokenizer.num_special_tokens(true) + 2)
        throw UsageError(fmt::format("--max-length {} leaves no room for text", max_length));
    if (m_tokenizer.vocab_size() > static_cast<std::size_t>(m_encoder.config().vocab_size))
        throw Error(
            fmt::format("{}: the tokenizer has {} tokens but the model only {} "
                        "embeddings",
                        dir.string(), m_tokenizer.vocab_size(), m_encoder.config().vocab_size));
    m_max_length = max_length;
}

std::vector<std::vector<float>> TextModel::run(const std::vector<Encoding>& encodings) {
    return m_encoder.run(to_sequences(encodings));
}

std::vector<std::vector<float>> TextModel::run(const std::vector<Encoding>& encodings,
                                               std::size_t threads) {
    return m_encoder.run(to_sequences(encodings), threads);
}

CrossEncoder::CrossEncoder(const std::filesystem::path& dir, EncoderOptions options,
                           std::size_t max_length)
    : TextModel(dir, options, max_length) {
    if (config().head != HeadKind::SequenceClassification)
        throw Error(
            fmt::format("{}: {} has no classification head; use a cross-encoder "
                        "(…ForSequenceClassification) model to re-rank",
                        dir.string(), config().architecture_name));
}

std::vector<float> CrossEncoder::score(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
    const auto encodings = tokenizer().encode_pair_batch(pairs, max_length());
    const auto logits = run(encodings);
    std::vector<float> scores;
    scores.reserve(logits.size());
    for (const auto& l : logits)
        scores.push_back(l.size() == 1 ? l[0] : l[1]);
    return scores;
}

BiEncoder::BiEncoder(const std::filesystem::path& dir, EncoderOptions options,
                     std::size_t max_length)
    : TextModel(dir, options, max_length) {
    if (config().head != HeadKind::Embedding)
        throw Error(
            fmt::format("{}: {} is a classification model; use an embedding model "
                        "(BertModel / sentence-transformers) to embed",
                        dir.string(), config().architecture_name));
}

std::vector<std::vector<float>> BiEncoder::embed(const std::vector<std::string>& texts) {
    return run(tokenizer().encode_batch(texts, true, max_length()));
}

}  // namespace cascade::model
