#pragma once
/// Learned-sparse query vectors and where they come from (docs/sparse.md).
///
/// A retriever over an impact part needs one weighted term list per query. QueryVectorSource is
/// the seam that supplies them for a batch of queries: today from a file of vectors keyed by
/// query id (Anserini's pre-tokenised TSV or JSONL) or from the query text read as
/// pre-tokenised terms; a SPLADE query encoder of the model runtime is the next implementation
/// (it will encode Query::text in batches, as the dense stages embed queries).

#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "collection/types.hpp"

namespace cascade::retrieve {

/// One weighted term of a query vector (weight finite and >= 0; 0 contributes nothing).
struct ImpactTerm {
    std::string term;
    float weight = 0.0F;

    friend bool operator==(const ImpactTerm&, const ImpactTerm&) = default;
};

/// A query vector: distinct terms in a fixed order. Their contributions are summed in this
/// order (TermScoreSum), which is what makes every algorithm agree bit for bit.
using ImpactQuery = std::vector<ImpactTerm>;

/// Supplies the query vectors of a batch of queries. Implementations are immutable and safe to
/// call from several threads.
class QueryVectorSource {
public:
    virtual ~QueryVectorSource() = default;
    /// One vector per query, in order. Throws InputError for a query it has no vector for.
    [[nodiscard]] virtual std::vector<ImpactQuery> vectors(
        std::span<const Query> queries) const = 0;
    /// Short description for logs and run tags, e.g. "vectors:q.tsv" or "pretokenized".
    [[nodiscard]] virtual std::string describe() const = 0;
};

/// Query vectors read from a file (collection/sparse_vectors.hpp: TSV or JSONL), looked up by
/// query id.
class FileQueryVectors final : public QueryVectorSource {
public:
    /// Reads `path`. Throws InputError for a malformed file or a weight too large for a float,
    /// IoError when it cannot be read.
    explicit FileQueryVectors(std::string path);
    [[nodiscard]] std::vector<ImpactQuery> vectors(std::span<const Query> queries) const override;
    [[nodiscard]] std::string describe() const override { return "vectors:" + m_path; }
    [[nodiscard]] std::size_t size() const { return m_vectors.size(); }

private:
    std::string m_path;
    std::unordered_map<std::string, ImpactQuery> m_vectors;
};

/// The query text itself as a pre-tokenised query: whitespace-separated terms, each occurrence
/// adding 1 to its weight (Anserini's `-impact -pretokenized` search of a TSV topic file).
class PretokenizedQueryVectors final : public QueryVectorSource {
public:
    [[nodiscard]] std::vector<ImpactQuery> vectors(std::span<const Query> queries) const override;
    [[nodiscard]] std::string describe() const override { return "pretokenized"; }
};

}  // namespace cascade::retrieve
