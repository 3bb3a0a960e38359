#pragma once
/// Request parsing and validation for the HTTP service, as pure functions (no sockets), so the
/// server, the unit tests and the fuzzer (fuzz/fuzz_requests.cpp) all exercise the same code.
///
/// Shapes: Cohere/Jina `POST /v1/rerank`, Hugging Face TEI `POST /rerank`, and cascade's own
/// `POST /v1/search`. Unknown JSON fields are ignored (clients send vendor extras); every
/// problem with a known field is a RequestError naming that field.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cascade::serve {

/// Input limits; a request over any of them is refused with 413 or 400.
struct Limits {
    std::size_t max_body_bytes = 8U << 20U;    ///< whole request body
    std::size_t max_documents = 1000;          ///< documents / texts per rerank request
    std::size_t max_document_chars = 100'000;  ///< code points per document
    std::size_t max_query_chars = 10'000;      ///< code points per query
    std::size_t max_k = 1000;                  ///< hits per search
    std::size_t max_json_depth = 32;           ///< nesting of arrays/objects
};

/// A client error: HTTP status (4xx), message, and the JSON path of the offending field
/// ("documents[3].text"; "body" when the body as a whole is wrong).
struct RequestError {
    int status = 400;
    std::string message;
    std::string field;
};

/// How a decoder model ranks a re-ranking request's documents: pair by pair (yes/no logits),
/// or the whole list together (runtime/listwise.hpp: RankGPT windows generating a permutation,
/// FIRST's first-token logits; runtime/icr.hpp: calibrated attention).
enum class RerankMethod { Pointwise, Listwise, First, Icr };

/// "pointwise", "listwise", "first" or "icr"; nullopt for anything else.
[[nodiscard]] std::optional<RerankMethod> parse_rerank_method(std::string_view text);
[[nodiscard]] std::string_view rerank_method_name(RerankMethod method);

/// Window defaults of the list methods, as `cascade rerank` (RankGPT's 20 and 10).
inline constexpr std::size_t kDefaultWindow = 20;
inline constexpr std::size_t kDefaultStride = 10;
inline constexpr std::size_t kMaxWindow = 1000;
/// Tokens each document keeps in a list method's prompt unless a request says otherwise
/// (ListRerankOptions' and `cascade rerank --passage-tokens`' default): a window of 20 then
/// fits a 4k context.
inline constexpr std::size_t kDefaultPassageTokens = 100;
inline constexpr std::size_t kMaxPassageTokens = 32768;

/// `POST /v1/rerank` (Cohere / Jina shape).
struct RerankRequest {
    std::string model;  ///< empty: the only (or first) loaded model
    std::string query;
    std::vector<std::string> documents;
    std::size_t top_n = 0;  ///< 0: all documents
    bool return_documents = false;
    /// LLM re-rankers: the task instruction of the prompt (a cascade extension of the shape);
    /// empty: the one the model was started with. Cross-encoders ignore it.
    std::string instruction;
    /// Cascade extensions for decoder models: the method (nullopt: the one the model was
    /// started with) and, for listwise and first, the window and stride (0: not given).
    std::optional<RerankMethod> method;
    std::size_t window = 0;
    std::size_t stride = 0;
    /// List methods: tokens each document keeps in the prompt, 0 whole documents (nullopt:
    /// kDefaultPassageTokens).
    std::optional<std::size_t> passage_tokens;
};

/// `POST /rerank` (Hugging Face TEI shape). Elasticsearch's `hugging_face` rerank service sends
/// the same endpoint `documents` / `return_documents` / `top_n` (Cohere's names) in newer
/// versions: they are accepted as `texts` / `return_text` and a cut of the list.
struct TeiRerankRequest {
    std::string query;
    std::vector<std::string> texts;
    bool raw_scores = false;  ///< false: sigmoid of the logit, as TEI reports
    bool return_text = false;
    bool truncate = false;  ///< false: a pair longer than the model's maximum is refused
    std::size_t top_n = 0;  ///< 0: all texts
};

/// `POST /v1/search`.
struct SearchRequest {
    std::string query;
    std::size_t k = 10;
    std::string pipeline;  ///< empty: BM25 only
};

/// Each parser fills `out` and returns nullopt, or returns the first error found. They never
/// throw on any input (allocation failure aside).

[[nodiscard]] std::optional<RequestError> parse_rerank(std::string_view body, const Limits& limits,
                                                       RerankRequest& out);
[[nodiscard]] std::optional<RequestError> parse_tei_rerank(std::string_view body,
                                                           const Limits& limits,
                                                           TeiRerankRequest& out);
[[nodiscard]] std::optional<RequestError> parse_search(std::string_view body, const Limits& limits,
                                                       SearchRequest& out);

/// `{"error": {"message": ..., "field": ..., "status": ...}}`.
[[nodiscard]] std::string error_body(const RequestError& error);

/// A score with the position of its document in the request.
struct IndexedScore {
    std::size_t index = 0;
    float score = 0.0F;
};

/// Sorts by score descending, ties by index ascending (deterministic), and keeps the first
/// `top_n` (0 = all).
void rank_scores(std::vector<IndexedScore>& scores, std::size_t top_n);

/// The logistic function 1 / (1 + e^-x), computed without overflow for large |x|.
[[nodiscard]] float sigmoid(float x);

/// The first `max_chars` code points of `text`, cut back to a word boundary when one lies in
/// the last fifth, with "…" appended when anything was cut. `text` must be valid UTF-8.
[[nodiscard]] std::string snippet(std::string_view text, std::size_t max_chars);

/// Number of code points in valid UTF-8.
[[nodiscard]] std::size_t count_code_points(std::string_view text);

}  // namespace cascade::serve
