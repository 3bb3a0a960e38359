#include "model/token_expand.hpp"

#include <algorithm>
#include <fstream>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/token_config.hpp"
#include "model/token_tilde.hpp"
#include "util/error.hpp"

namespace cascade::model {
namespace {

const std::filesystem::path& check_kind(const std::filesystem::path& dir) {
    const std::string arch = config_architecture(dir);
    if (arch != "BertLMHeadModel")
        throw UsageError(fmt::format(
            "{}: config.json architectures[0] is \"{}\"; a TILDE expansion model needs a "
            "BertLMHeadModel folder (ielab/TILDE: BERT encoder under bert. plus the "
            "cls.predictions head)",
            dir.string(), arch.empty() ? "(none)" : arch));
    std::ifstream in(dir / "config.json");
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_object() && j.value("is_decoder", false))
        throw UsageError(fmt::format(
            "{}: config.json sets is_decoder true (causal attention); TILDE expansion reads a "
            "bidirectional BertLMHeadModel",
            (dir / "config.json").string()));
    return dir;
}

}  // namespace

TildeExpander::TildeExpander(const std::filesystem::path& dir, EncoderOptions options,
                             std::size_t max_length)
    : m_mlm(check_kind(dir), options, max_length > 0 ? max_length : kDefaultMaxLength,
            WeightStore(dir)),
      m_max_length(m_mlm.max_length()),
      m_bad(tilde_expansion_bad_ids(m_mlm.tokenizer(), m_mlm.vocab_size())) {}

Encoding TildeExpander::encode_passage(std::string_view text) const {
    Encoding e = m_mlm.encode(text, m_max_length);
    if (!e.ids.empty())
        e.ids.front() = kPassageMarker;
    return e;
}

std::vector<float> TildeExpander::logits(const std::vector<Encoding>& encodings,
                                         std::size_t threads) {
    return m_mlm.first_token_logits(encodings, threads);
}

bool TildeExpander::is_bad(std::int32_t id) const {
    return id >= 0 && static_cast<std::size_t>(id) < m_bad.size() &&
           m_bad[static_cast<std::size_t>(id)];
}

std::vector<std::vector<std::int32_t>> TildeExpander::expand(const std::vector<Encoding>& encodings,
                                                             std::size_t terms,
                                                             std::size_t threads) {
    if (terms == 0)
        throw UsageError("expansion terms must be at least 1");
    const std::size_t vocab = vocab_size();
    const std::size_t m = std::min(terms, vocab);
    const std::vector<float> all = logits(encodings, threads);
    std::vector<std::vector<std::int32_t>> out(encodings.size());
    std::vector<std::int32_t> order(vocab);
    for (std::size_t i = 0; i < encodings.size(); ++i) {
        if (encodings[i].ids.empty())
            continue;
        const float* l = all.data() + i * vocab;
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m),
                          order.end(), [l](std::int32_t a, std::int32_t b) {
                              const auto ua = static_cast<std::size_t>(a);
                              const auto ub = static_cast<std::size_t>(b);
                              return l[ua] > l[ub] || (l[ua] == l[ub] && a < b);
                          });
        std::vector<std::int32_t> present = encodings[i].ids;
        if (present.size() < m_max_length)
            present.push_back(0);  // expansion.py pads to p_max_len with id 0 and filters by it
        std::sort(present.begin(), present.end());
        for (std::size_t r = 0; r < m; ++r) {
            const std::int32_t id = order[r];
            if (!is_bad(id) && !std::binary_search(present.begin(), present.end(), id))
                out[i].push_back(id);
        }
    }
    return out;
}

std::vector<std::int32_t> TildeExpander::expanded_ids(const Encoding& encoding,
                                                      const std::vector<std::int32_t>& expansion) {
    std::vector<std::int32_t> out;
    for (std::size_t t = 1; t < encoding.ids.size(); ++t) {
        if (!encoding.attention_mask.empty() && encoding.attention_mask[t] == 0)
            continue;
        if (encoding.ids[t] != 0)  // expansion.py drops id 0 ([PAD]) after the marker
            out.push_back(encoding.ids[t]);
    }
    out.insert(out.end(), expansion.begin(), expansion.end());
    return out;
}

}  // namespace cascade::model
