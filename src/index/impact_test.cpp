// The impact part: quantisation schemes against hand-computed impacts, the imported postings
// against a naive inversion of the vectors (in index order and out of order, which must give the
// same files), block and list maxima against the largest impact they cover, and every error a
// user meets (ids that do not match, fractional weights under `none`, impacts past 2^24,
// damaged or foreign parts), with the index and its previous part left untouched.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>

#include <fmt/format.h>

#include "index/builder.hpp"
#include "index/file_io.hpp"
#include "index/impact_builder.hpp"
#include "index/impact_index.hpp"
#include "index/impact_quantizer.hpp"
#include "index/test_support.hpp"
#include "tests/run_cli.hpp"
#include "util/error.hpp"

namespace cascade::index {
namespace {

namespace fs = std::filesystem;
using cascade::testing::slurp;
using cascade::testing::TempDir;
using cascade::testing::write_file;

std::uint64_t q(std::string_view spec, double w, double max = 0, bool integral = false) {
    return ImpactQuantizer::parse(spec).resolve(max, integral).quantize(w);
}

TEST(ImpactQuantizer, SchemesGiveTheirDocumentedImpacts) {
    // scale:F rounds half to even, as numpy's rint (naver/splade's export) and Python's round.
    EXPECT_EQ(q("scale:100", 0.125), 12U);  // 12.5 -> 12
    EXPECT_EQ(q("scale:100", 0.375), 38U);  // 37.5 -> 38
    EXPECT_EQ(q("scale:100", 1.2345), 123U);
    EXPECT_EQ(q("scale:100", 0.004), 0U);  // dropped by the builder
    EXPECT_EQ(q("scale:2.5", 3), 8U);      // 7.5 -> 8
    // trunc: Anserini's asInt().
    EXPECT_EQ(q("trunc", 2.99), 2U);
    EXPECT_EQ(q("trunc", 0.7), 0U);
    EXPECT_EQ(q("none", 41), 41U);
    // linear:8 over max 2 (PISA): range 255, scale = 254 / 2, impact = round(w * 127) + 1.
    EXPECT_EQ(q("linear:8", 2.0, 2.0), 255U);
    EXPECT_EQ(q("linear:8", 1.0, 2.0), 128U);
    EXPECT_EQ(q("linear:8", 0.01, 2.0), 2U);  // round(1.27) + 1
    EXPECT_EQ(q("linear:8", 1e-9, 2.0), 1U);  // every positive weight keeps a posting
    EXPECT_EQ(q("linear:8", 0.0, 2.0), 0U);
    EXPECT_EQ(q("linear:2", 3.0, 3.0), 3U);  // range 3: round(3 * 2 / 3) + 1
    // auto: whole numbers as they are, else scale:100.
    EXPECT_EQ(q("auto", 7, 9, true), 7U);
    EXPECT_EQ(q("auto", 0.07, 9, false), 7U);
    EXPECT_EQ(ImpactQuantizer::parse("auto").resolve(9, false).describe(), "scale:100");
    EXPECT_EQ(ImpactQuantizer::parse("auto").resolve(9, true).describe(), "none");
    EXPECT_EQ(ImpactQuantizer::parse("linear:8").resolve(2.5, false).describe(),
              "linear:8,max=2.5");
    EXPECT_EQ(kDefaultQuantizer, "auto");
}

TEST(ImpactQuantizer, RefusesBadSpecs) {
    for (const char* spec : {"", "scale", "scale:", "scale:0", "scale:-1", "scale:x", "scale:inf",
                             "linear:1", "linear:25", "linear:8.5", "round", "none:3"}) {
        try {
            (void)ImpactQuantizer::parse(spec);
            ADD_FAILURE() << "accepted " << spec;
        } catch (const UsageError& e) {
            EXPECT_NE(std::string(e.what()).find(fmt::format("--quantize '{}'", spec)),
                      std::string::npos)
                << e.what();
            EXPECT_NE(std::string(e.what()).find("scale:F"), std::string::npos) << e.what();
        }
    }
}

/// A small main index and vectors for it.
class ImpactPartTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::vector<Document> docs;
        for (std::uint32_t d = 0; d < kDocs; ++d) {
            docs.push_back({fmt::format("d{:03}", (d * 37) % kDocs), "", "text"});
        }
        testing::VectorReader reader(docs);
        BuildOptions options;
        options.progress = false;
        build_index(reader, testing::WhitespaceAnalyzer(), dir(), options);
        // Random float vectors: ~40 of 60 terms per document, a few weights that quantise to 0.
        std::mt19937 rng(7);
        for (const Document& doc : docs) {
            std::map<std::string, double> v;
            for (int t = 0; t < 60; ++t) {
                if (rng() % 3 != 0) {
                    v["t" + std::to_string(t)] = static_cast<double>(rng() % 4000) / 1000.0;
                }
            }
            if (v.empty()) {
                v["t0"] = 1.0;
            }
            m_vectors.emplace_back(doc.id, std::move(v));
        }
    }

    fs::path dir() const { return m_tmp / "idx"; }

    /// Writes the vectors (in `order`, a permutation of the documents) as JSONL.
    std::string write_vectors(const std::string& name, const std::vector<std::size_t>& order) {
        std::string body;
        for (std::size_t i : order) {
            const auto& [id, v] = m_vectors[i];
            std::string fields;
            for (const auto& [term, w] : v) {
                fields += fmt::format("{}\"{}\": {}", fields.empty() ? "" : ", ", term, w);
            }
            body += fmt::format("{{\"id\": \"{}\", \"contents\": \"x\", \"vector\": {{{}}}}}\n", id,
                                fields);
        }
        write_file(m_tmp / name, body);
        return (m_tmp / name).string();
    }

    std::vector<std::size_t> in_order() const {
        std::vector<std::size_t> order(kDocs);
        for (std::size_t i = 0; i < kDocs; ++i) {
            order[i] = i;
        }
        return order;
    }

    ImpactBuildSummary add(const std::string& vectors, const std::string& spec = "scale:100") {
        const Index main = Index::open(dir());
        ImpactBuildOptions options;
        options.vectors = vectors;
        options.quantize = spec;
        options.progress = false;
        return add_impact_part(main, dir(), options);
    }

    static constexpr std::uint32_t kDocs = 300;  // > 2 blocks of 128 for frequent terms
    TempDir m_tmp;
    std::vector<std::pair<std::string, std::map<std::string, double>>> m_vectors;
};

TEST_F(ImpactPartTest, PostingsAreTheQuantisedWeightsWithTheirMaxima) {
    const ImpactBuildSummary s = add(write_vectors("v.jsonl", in_order()));
    EXPECT_TRUE(s.in_order);
    const Index main = Index::open(dir());
    const ImpactIndex part = ImpactIndex::open(impact_dir(dir()));
    part.check_belongs_to(main);
    EXPECT_EQ(part.meta().quantizer, "scale:100");
    EXPECT_EQ(part.meta().factor, 100.0);
    ASSERT_EQ(part.index().num_docs(), main.num_docs());
    // Naive inversion of the quantised vectors, by the main index's docids.
    std::map<std::string, std::vector<std::pair<std::uint32_t, std::uint32_t>>> naive;
    std::uint64_t dropped = 0;
    std::uint32_t top = 0;
    for (const auto& [id, v] : m_vectors) {
        const std::uint32_t docid = *main.internal_id(id);
        EXPECT_EQ(part.index().external_id(docid), id);
        for (const auto& [term, w] : v) {
            const auto impact = static_cast<std::uint32_t>(std::nearbyint(w * 100));
            if (impact == 0) {
                ++dropped;
                continue;
            }
            naive[term].emplace_back(docid, impact);
            top = std::max(top, impact);
        }
    }
    EXPECT_EQ(part.meta().dropped_postings, dropped);
    EXPECT_EQ(part.meta().max_impact, top);
    ASSERT_EQ(part.field().stats().num_terms, naive.size());
    bool saw_blocks = false;
    for (auto& [term, list] : naive) {
        std::sort(list.begin(), list.end());
        const auto info = part.field().term(term);
        ASSERT_TRUE(info) << term;
        std::uint32_t list_max = 0;
        PostingCursor c = part.field().postings(*info);
        for (std::size_t i = 0; i < list.size(); ++i, c.next()) {
            ASSERT_EQ(c.docid(), list[i].first) << term;
            ASSERT_EQ(c.freq(), list[i].second) << term;
            list_max = std::max(list_max, list[i].second);
        }
        EXPECT_EQ(c.docid(), c.sentinel());
        EXPECT_EQ(info->max_freq, list_max) << term;
        // Each block's max freq is the largest impact among its postings.
        PostingCursor blocks = part.field().postings(*info);
        for (std::size_t b = 0; b * kBlockSize < list.size(); ++b) {
            const std::size_t end = std::min(list.size(), (b + 1) * kBlockSize);
            std::uint32_t block_max = 0;
            for (std::size_t i = b * kBlockSize; i < end; ++i) {
                block_max = std::max(block_max, list[i].second);
            }
            blocks.shallow_next_geq(list[b * kBlockSize].first);
            EXPECT_EQ(blocks.block_max_freq(), block_max) << term << " block " << b;
            EXPECT_EQ(blocks.block_max_docid(), list[end - 1].first);
            saw_blocks = saw_blocks || b > 0;
        }
    }
    EXPECT_TRUE(saw_blocks);
}

TEST_F(ImpactPartTest, AnyFileOrderGivesTheSameFiles) {
    add(write_vectors("v.jsonl", in_order()));
    std::map<std::string, std::string> first;
    for (const auto& e : fs::directory_iterator(impact_dir(dir()))) {
        first[e.path().filename().string()] = slurp(e.path());
    }
    std::vector<std::size_t> shuffled = in_order();
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(3));
    const ImpactBuildSummary s = add(write_vectors("s.jsonl", shuffled));
    EXPECT_FALSE(s.in_order);
    for (const auto& e : fs::directory_iterator(impact_dir(dir()))) {
        const std::string name = e.path().filename().string();
        if (name == kImpactMetaFile || name == verified_stamp::kFileName) {
            continue;  // the meta records the source file's name
        }
        EXPECT_TRUE(first[name] == slurp(e.path())) << name << " differs";
    }
}

/// Expects add(...) to throw an InputError with every needle, leaving the index and the
/// impact part it had byte for byte as they were.
template <class Fn>
void expect_refused(const fs::path& dir, Fn&& fn, std::initializer_list<std::string> needles) {
    // Index::open may leave a `verified` stamp (index/file_io.hpp); everything else must stay.
    const auto snapshot = [&dir] {
        std::map<std::string, std::string> files;
        for (const auto& e : fs::recursive_directory_iterator(dir)) {
            if (e.is_regular_file() && e.path().filename() != verified_stamp::kFileName) {
                files[e.path().string()] = slurp(e.path());
            }
        }
        return files;
    };
    const std::map<std::string, std::string> before = snapshot();
    try {
        fn();
        ADD_FAILURE() << "no InputError";
    } catch (const InputError& e) {
        for (const std::string& n : needles) {
            EXPECT_NE(std::string(e.what()).find(n), std::string::npos)
                << "'" << n << "' not in: " << e.what();
        }
    }
    const std::map<std::string, std::string> after = snapshot();
    for (const auto& [name, bytes] : after) {
        EXPECT_TRUE(before.count(name) == 1 && before.at(name) == bytes) << name << " changed";
    }
    EXPECT_EQ(before.size(), after.size()) << "files appeared or vanished";
    for (const auto& e : fs::directory_iterator(dir.parent_path())) {
        EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos) << e.path();
    }
}

TEST_F(ImpactPartTest, MismatchedIdsAreNamedAndTheIndexStaysUntouched) {
    add(write_vectors("v.jsonl", in_order()));  // an impact part that must survive
    const std::string good = slurp(m_tmp / "v.jsonl");
    write_file(m_tmp / "extra.jsonl", good + "{\"id\": \"nope\", \"vector\": {\"a\": 1}}\n");
    expect_refused(dir(), [&] { add((m_tmp / "extra.jsonl").string()); },
                   {"extra.jsonl:301:", "id 'nope' is not a document of the index"});
    write_file(m_tmp / "dup.jsonl", good + good.substr(0, good.find('\n') + 1));
    expect_refused(dir(), [&] { add((m_tmp / "dup.jsonl").string()); },
                   {"dup.jsonl:301:", "id 'd000' appears twice (first on line 1)"});
    std::string missing = good;
    for (int i = 0; i < 7; ++i) {
        missing.erase(0, missing.find('\n') + 1);  // drops d000, d037, d074, ...
    }
    write_file(m_tmp / "missing.jsonl", missing);
    expect_refused(dir(), [&] { add((m_tmp / "missing.jsonl").string()); },
                   {"missing.jsonl:",
                    "7 document(s) of the index have no vector: 'd000', 'd037', 'd074'", ", ..."});
    write_file(m_tmp / "bad.jsonl", good + "{\"id\": \"x\", \"vector\": {\"a\": -2}}\n");
    expect_refused(dir(), [&] { add((m_tmp / "bad.jsonl").string()); },
                   {"bad.jsonl:301:", "negative weight -2"});
}

TEST_F(ImpactPartTest, WeightsThatDoNotFitTheSchemeAreRefused) {
    const std::string floats = write_vectors("v.jsonl", in_order());
    expect_refused(dir(), [&] { add(floats, "none"); },
                   {"v.jsonl:1:", "is not a whole number", "--quantize none"});
    std::string big = slurp(floats);
    big.replace(big.find("\"vector\": {"), 11, "\"vector\": {\"huge\": 200000.5, ");
    write_file(m_tmp / "big.jsonl", big);
    expect_refused(dir(), [&] { add((m_tmp / "big.jsonl").string()); },
                   {"big.jsonl:1:", "vector term 'huge': weight 200000.5 gives impact 20000050",
                    "above the largest impact 16777216"});
    // The same file fits under linear:8 (every impact in 1..255).
    EXPECT_EQ(add((m_tmp / "big.jsonl").string(), "linear:8").meta.max_impact, 255U);
}

TEST_F(ImpactPartTest, DamagedOrForeignPartsAreRefused) {
    add(write_vectors("v.jsonl", in_order()));
    const fs::path meta = impact_dir(dir()) / std::string(kImpactMetaFile);
    std::string bytes = slurp(meta);
    bytes[bytes.size() / 2] ^= 0x40;
    write_file(meta, bytes);
    EXPECT_THROW((void)ImpactIndex::open(impact_dir(dir())), CorruptionError);
    write_file(meta, bytes.substr(0, 10));
    EXPECT_THROW((void)ImpactIndex::open(impact_dir(dir())), CorruptionError);
    fs::remove(meta);
    try {
        (void)ImpactIndex::open(impact_dir(dir()));
        ADD_FAILURE();
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("--impact-vectors"), std::string::npos);
    }
    // A part built for these ids does not answer for an index with other ids.
    add(write_vectors("v.jsonl", in_order()));
    std::vector<Document> other;
    for (std::uint32_t d = 0; d < kDocs; ++d) {
        other.push_back({fmt::format("x{}", d), "", "text"});
    }
    testing::VectorReader reader(other);
    BuildOptions options;
    options.progress = false;
    build_index(reader, testing::WhitespaceAnalyzer(), m_tmp / "other", options);
    const ImpactIndex part = ImpactIndex::open(impact_dir(dir()));
    try {
        part.check_belongs_to(Index::open(m_tmp / "other"));
        ADD_FAILURE();
    } catch (const CorruptionError& e) {
        EXPECT_NE(std::string(e.what()).find("built for another collection"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("with other ids"), std::string::npos);
    }
}

}  // namespace
}  // namespace cascade::index
