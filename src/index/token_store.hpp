#pragma once
/// Token-level parts of an index, written at index time by token-level models and read by the
/// re-ranking stages that use them:
///
/// - the multivector part (`multivector/`): one vector per kept document token (ColBERT), in
///   fp16 or as per-token int8 codes, scored against a query's token vectors by MaxSim
///   (Khattab & Zaharia, "ColBERT", SIGIR 2020): sum over query tokens of the best inner
///   product with any document token;
/// - the TILDE part (`tilde/`): per document, each distinct vocabulary token with one weight
///   (TILDEv2: Zhuang & Zuccon, "Fast Passage Re-ranking with Contextualized Exact Term
///   Matching and Efficient Passage Expansion", 2021), quantised to 8 bits over the global
///   maximum; a query scores by summing the weights of its tokens.
///
/// Both are bound to their index as the dense part is (document count and the fingerprint of
/// the external ids), written atomically beside the inverted files, and memory-mapped. Layouts:
/// docs/formats/index.md ("Multivector part", "TILDE part").

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/index.hpp"

namespace cascade::index {

class MappedFile;

/// How the multivector part stores each token vector.
enum class TokenCodec : std::uint8_t {
    Fp16 = 0,  ///< IEEE half floats: 2 bytes per dimension
    Int8 = 1,  ///< symmetric int8 codes with one f32 scale per token: 1 byte per dimension + 4
};
[[nodiscard]] std::string_view to_string(TokenCodec codec);
/// "fp16" or "int8"; UsageError otherwise.
[[nodiscard]] TokenCodec parse_token_codec(std::string_view name);

/// The folders of an index's token-level parts.
[[nodiscard]] std::filesystem::path multivector_dir(const std::filesystem::path& index_dir);
[[nodiscard]] std::filesystem::path tilde_dir(const std::filesystem::path& index_dir);

/// What every token-level part records about where it came from.
struct TokenPartOptions {
    /// What made the part ("model <fingerprint> <folder>"): queries must be encoded (or
    /// tokenised) by the same model; recorded, shown and compared by callers.
    std::string model;
    std::uint64_t ids_fingerprint = 0;     ///< docid_fingerprint of the index, 0 for none
    std::string source = "token vectors";  ///< names the input in error messages
    /// TILDE part only: how documents were expanded before weighting ("" when not; then the
    /// manifest is as before, byte for byte).
    std::string expansion;
    /// Multivector part only: the most token clusters kept per document for the MaxSim pruning
    /// bound (`tokens.bounds`, docs/token.md); 0 writes no bound section (the part is then as
    /// before it existed). At most kMaxTokenClusters.
    std::uint32_t max_clusters = 8;
};

/// The largest TokenPartOptions::max_clusters.
inline constexpr std::uint32_t kMaxTokenClusters = 64;

/// Streams one document's token vectors at a time, in docid order, into `dir` (replaced
/// atomically by finish(): an existing part stays until the new one is complete; destroying
/// the writer unfinished leaves it untouched).
class MultiVectorWriter {
public:
    MultiVectorWriter(const std::filesystem::path& dir, std::uint32_t dim, TokenCodec codec,
                      TokenPartOptions options);
    ~MultiVectorWriter();
    MultiVectorWriter(const MultiVectorWriter&) = delete;
    MultiVectorWriter& operator=(const MultiVectorWriter&) = delete;

    /// Adds the next document: rows.size() / dim token vectors, row-major (none is allowed:
    /// a document with no kept token scores 0). InputError naming the document on NaN/Inf or
    /// a size that is not a multiple of dim.
    void add(std::span<const float> rows);
    /// Documents added so far.
    [[nodiscard]] std::uint32_t size() const;
    /// Writes the manifest and moves the part into place.
    void finish();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// A memory-mapped multivector part. Every const member is safe from several threads.
class MultiVectorStore {
public:
    /// Opens `dir` (an index's multivector/ folder): CorruptionError naming the file on a wrong
    /// magic/version, sizes that disagree with the manifest or a checksum failure; IoError when
    /// there is no part.
    static MultiVectorStore open(const std::filesystem::path& dir, const OpenOptions& options = {});

    MultiVectorStore(MultiVectorStore&&) noexcept;
    MultiVectorStore& operator=(MultiVectorStore&&) noexcept;
    ~MultiVectorStore();

    [[nodiscard]] std::uint32_t dim() const { return m_dim; }
    [[nodiscard]] std::uint32_t size() const { return m_count; }
    [[nodiscard]] TokenCodec codec() const { return m_codec; }
    [[nodiscard]] const std::string& model() const { return m_model; }
    [[nodiscard]] std::uint64_t ids_fingerprint() const { return m_ids_fingerprint; }
    [[nodiscard]] std::uint64_t total_tokens() const;
    /// Bytes of the files of the part.
    [[nodiscard]] std::uint64_t total_bytes() const { return m_total_bytes; }
    /// Bytes the codec spends per stored token (fp16: 2 * dim; int8: dim + 4).
    [[nodiscard]] std::size_t bytes_per_token() const;

    /// CorruptionError unless this part was built for `index` (same count and ids).
    void check_belongs_to(const Index& index) const;

    /// Number of stored token vectors of `docid`.
    [[nodiscard]] std::uint32_t num_tokens(std::uint32_t docid) const;
    /// Decodes `docid`'s token vectors into `out` (num_tokens * dim floats, row-major).
    void decode(std::uint32_t docid, std::vector<float>& out) const;
    /// The largest L2 norm of `docid`'s decoded token vectors (0 for none): with a query
    /// token's norm it bounds that token's best inner product in the document.
    [[nodiscard]] float max_norm(std::uint32_t docid) const { return m_norms[docid]; }

    /// Whether the part has the cluster bound section (`tokens.bounds`, version 1); parts
    /// written without it, or with a newer version of it, open and score with max_norm only.
    [[nodiscard]] bool has_clusters() const { return m_bounds != nullptr; }
    /// Bytes of the cluster bound section (0 without one).
    [[nodiscard]] std::uint64_t cluster_bytes() const { return m_bounds_bytes; }
    /// `docid`'s token clusters (has_clusters() only): `centroids` gets num_clusters * dim
    /// decoded floats, `radii` one float per cluster. Every decoded token of the document lies
    /// within radii[c] of centroid c for some c (exactly, in real arithmetic), so for a query
    /// token q its best inner product in the document is at most max_c (q . centroid_c +
    /// |q| radii[c]). Returns the number of clusters (0 for a document without tokens).
    std::uint32_t decode_clusters(std::uint32_t docid, std::vector<float>& centroids,
                                  std::vector<float>& radii) const;

private:
    MultiVectorStore();
    /// Checks and attaches the mapped cluster bound section (`size` bytes).
    void attach_bounds(const std::uint8_t* data, std::uint64_t size);

    std::vector<std::unique_ptr<MappedFile>> m_files;
    std::string m_dir;
    std::uint32_t m_dim = 0;
    std::uint32_t m_count = 0;
    TokenCodec m_codec = TokenCodec::Fp16;
    std::string m_model;
    std::uint64_t m_ids_fingerprint = 0;
    std::uint64_t m_total_bytes = 0;
    const std::uint64_t* m_offsets = nullptr;        // [count + 1] token offsets
    const float* m_norms = nullptr;                  // [count]
    const std::uint16_t* m_halves = nullptr;         // fp16: [tokens * dim]
    const float* m_scales = nullptr;                 // int8: [tokens]
    const std::int8_t* m_codes = nullptr;            // int8: [tokens * dim]
    const std::uint8_t* m_bounds = nullptr;          // tokens.bounds, from byte 0 (null without)
    const std::uint64_t* m_bound_offsets = nullptr;  // [count + 1] byte offsets of records
    std::uint64_t m_bounds_bytes = 0;
};

/// Work done by one maxsim_top_k call.
struct MaxSimStats {
    std::uint64_t candidates = 0;
    std::uint64_t pruned = 0;  ///< candidates dropped before all query tokens were scored
    std::uint64_t query_tokens_scored = 0;  ///< (candidate, query token) maxima computed
    std::uint64_t token_dots = 0;  ///< query token x document token inner products computed
    std::uint64_t bound_dots = 0;  ///< query token x cluster centroid inner products computed
};

/// Which upper bound maxsim_top_k prunes with.
enum class MaxSimBound : std::uint8_t {
    None = 0,  ///< no pruning: every candidate is scored in full
    /// Each query token's best inner product is bounded by its norm x the document's largest
    /// token norm; query tokens in query order.
    DocNorm = 1,
    /// Each query token's best inner product is bounded by max over the document's token
    /// clusters of (q . centroid + |q| radius) (the ball bound of Ram & Gray, "Maximum
    /// Inner-Product Search using Cone Trees", KDD 2012), capped by DocNorm's; the bounds of all
    /// query tokens are computed in one pass before the document is decoded (a candidate whose
    /// total bound is already too low is never decoded), and query tokens are scored in decreasing
    /// order of (bound - best centroid product). Needs has_clusters() (UsageError otherwise).
    Clusters = 2,
};

/// One candidate for maxsim_top_k: its docid and its tie rank (lower wins among equal scores).
struct MaxSimCandidate {
    std::uint32_t docid = 0;
    std::uint32_t tie_rank = 0;
};

/// A scored candidate: MaxSim score and the candidate's index in the input.
struct MaxSimHit {
    float score = 0.0F;
    std::uint32_t candidate = 0;
};

/// MaxSim of the query token matrix `query` (nq x dim, row-major) with `docid`: the sum over
/// query tokens, in order and in double, of the best inner product with a document token,
/// rounded once to float. `scratch` holds the decoded document.
[[nodiscard]] float maxsim(const MultiVectorStore& store, std::span<const float> query,
                           std::uint32_t docid, std::vector<float>& scratch);

/// The best `k` candidates by MaxSim (score descending, then tie rank ascending); k = 0 keeps
/// all. With a bound other than None, candidates are visited in input order (give them best
/// first, e.g. in the first stage's order) and a candidate stops being scored once its partial
/// sum plus `bound` on its remaining query tokens falls below the current k-th score: it can no
/// longer enter the top k. The result equals the exhaustive one (same candidates, scores bit
/// for bit, same order): a score is always the sum in query order of the same per-token maxima.
[[nodiscard]] std::vector<MaxSimHit> maxsim_top_k(const MultiVectorStore& store,
                                                  std::span<const float> query,
                                                  std::span<const MaxSimCandidate> candidates,
                                                  std::size_t k, MaxSimBound bound,
                                                  MaxSimStats* stats = nullptr);
/// As above with the tightest bound the part supports when `prune` (Clusters when it has
/// them, else DocNorm), None otherwise.
[[nodiscard]] std::vector<MaxSimHit> maxsim_top_k(const MultiVectorStore& store,
                                                  std::span<const float> query,
                                                  std::span<const MaxSimCandidate> candidates,
                                                  std::size_t k, bool prune,
                                                  MaxSimStats* stats = nullptr);

/// Builds the TILDE part: documents in docid order, each as (token id, weight) pairs with one
/// pair per distinct token. Weights are held in memory until finish() quantises them over the
/// global maximum (4 bytes per pair while building).
class TildeWriter {
public:
    TildeWriter(const std::filesystem::path& dir, TokenPartOptions options);
    ~TildeWriter();
    TildeWriter(const TildeWriter&) = delete;
    TildeWriter& operator=(const TildeWriter&) = delete;

    /// Adds the next document. InputError naming it on a negative or non-finite weight or a
    /// token id listed twice.
    void add(std::span<const std::pair<std::uint32_t, float>> weights);
    [[nodiscard]] std::uint32_t size() const;
    /// Quantises, writes and moves the part into place.
    void finish();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// A memory-mapped TILDE part.
class TildeStore {
public:
    static TildeStore open(const std::filesystem::path& dir, const OpenOptions& options = {});

    TildeStore(TildeStore&&) noexcept;
    TildeStore& operator=(TildeStore&&) noexcept;
    ~TildeStore();

    [[nodiscard]] std::uint32_t size() const { return m_count; }
    [[nodiscard]] const std::string& model() const { return m_model; }
    [[nodiscard]] std::uint64_t ids_fingerprint() const { return m_ids_fingerprint; }
    /// TokenPartOptions::expansion as recorded; empty for an unexpanded part.
    [[nodiscard]] const std::string& expansion() const { return m_expansion; }
    /// Weight of one quantisation step: a stored weight is code * scale().
    [[nodiscard]] float scale() const { return m_scale; }
    [[nodiscard]] std::uint64_t total_bytes() const { return m_total_bytes; }
    void check_belongs_to(const Index& index) const;

    /// `docid`'s (token id, dequantised weight) pairs, token ids ascending.
    [[nodiscard]] std::vector<std::pair<std::uint32_t, float>> weights(std::uint32_t docid) const;
    /// Sum over `query_tokens` (each occurrence counts) of the document's weight of that
    /// token (0 when absent), in double, rounded once.
    [[nodiscard]] float score(std::uint32_t docid,
                              std::span<const std::uint32_t> query_tokens) const;

private:
    TildeStore();

    std::vector<std::unique_ptr<MappedFile>> m_files;
    std::string m_dir;
    std::uint32_t m_count = 0;
    std::string m_model;
    std::uint64_t m_ids_fingerprint = 0;
    std::string m_expansion;
    std::uint64_t m_total_bytes = 0;
    float m_scale = 0.0F;
    const std::uint64_t* m_offsets = nullptr;  // [count + 1]
    const std::uint32_t* m_tokens = nullptr;   // ascending per document
    const std::uint8_t* m_codes = nullptr;
};

}  // namespace cascade::index
