#pragma once
/// Byte-pair encoding (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with
/// Subword Units"; byte-level as in GPT-2, Radford et al. 2019): a word starts as characters
/// and the adjacent pair with the lowest merge rank is merged until no merge applies
/// (HF models/bpe, `Word::merge_all`). Results are cached per word.

#include <array>
#include <shared_mutex>

#include "model/tokenizer/model.hpp"

namespace cascade::model::tok {

class Bpe final : public Model {
public:
    /// From a tokenizer.json "model" object of type BPE (merges as "a b" strings or pairs).
    explicit Bpe(const nlohmann::json& config);

    void tokenize(std::string_view word, std::vector<std::int32_t>& ids) const override;

private:
    struct Merge {
        std::int32_t rank;
        std::int32_t new_id;
    };
    static std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
               static_cast<std::uint32_t>(b);
    }
    void merge_word(std::string_view word, std::vector<std::int32_t>& out) const;
    void initial_symbols(std::string_view word, std::vector<std::int32_t>& ids,
                         std::vector<std::uint32_t>& lens) const;

    std::unordered_map<std::uint64_t, Merge> m_merges;
    std::optional<std::int32_t> m_unk_id;
    std::string m_prefix;  // continuing_subword_prefix
    std::string m_suffix;  // end_of_word_suffix
    bool m_fuse_unk = false;
    bool m_byte_fallback = false;
    bool m_ignore_merges = false;
    std::array<std::int32_t, 256> m_byte_ids{};  // ids of <0xXX>, -1 when absent

    static constexpr std::size_t kCacheCapacity = 200000;
    static constexpr std::size_t kMaxCachedWord = 256;  // bytes
    mutable std::shared_mutex m_cache_mutex;
    mutable std::unordered_map<std::string, std::vector<std::int32_t>, StringHash, std::equal_to<>>
        m_cache;
};

}  // namespace cascade::model::tok
