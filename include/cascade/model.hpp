#pragma once
/// Transformer models: how a model folder is loaded (ModelOptions) and handles that score
/// (query, document) pairs with a cross-encoder, embed texts with a bi-encoder, or encode
/// texts token by token: SPLADE sparse vectors, ColBERT token vectors, TILDEv2 token weights.
///
/// Every model use goes through a ModelPool: a folder is loaded once per pool and load options
/// (folder, precision, maximum length, device), and every caller's work for it goes through
/// one scheduler that batches by a token budget across callers.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cascade {

/// Numeric precision of the linear layers.
enum class Precision {
    Fp32,  ///< the weights as stored, computed in fp32
    Int8,  ///< dynamic int8 quantization of the encoder's linear layers (docs/model.md)
    Bf16,  ///< bf16 weights in the linear layers, fp32 accumulation (docs/model.md)
};

/// Where the forward passes run. `Auto` picks a GPU when the build has a GPU backend and a
/// device is present, else the CPU.
enum class Device { Cpu, Cuda, Auto };

/// One model option as the user sees it: key (`max_length`; `--max-length` on the command
/// line), the default in words, and what it does.
struct ModelOptionInfo {
    std::string_view key;
    std::string_view default_text;
    std::string_view help;
    bool is_flag = false;  ///< a boolean: `--int8` on the command line, `int8: true` in YAML
};

/// Every model option, in the order --help lists them. The one table of model options: CLI
/// flags, pipeline keys and `cascade serve` flags are all read through it.
[[nodiscard]] std::span<const ModelOptionInfo> model_option_infos();

/// What identifies a loaded model (ModelOptions::key) plus how to run it. Models are shared
/// by key: two callers asking for the same folder with the same precision, maximum length and
/// device get one copy; `batch_size` and `threads` tune the copy the first caller loaded.
struct ModelOptions {
    std::filesystem::path dir;  ///< Hugging Face model folder
    Precision precision = Precision::Fp32;
    std::size_t max_length = 0;  ///< tokens per sequence; 0 = tokenizer/model limit
    Device device = Device::Cpu;
    std::size_t batch_size = 32;  ///< sequences per forward pass
    std::size_t threads = 0;      ///< forward-pass threads; 0 = the pool's default
    /// LLM re-rankers: the task instruction of the prompt (`<Instruct>: ...`). Not part of
    /// key(): it changes the prompt, not the weights, so callers with different instructions
    /// share one copy and each request carries its caller's instruction.
    std::string instruction =
        "Given a web search query, retrieve relevant passages that answer "
        "the query";
    /// LLM re-rankers: the vocabulary entries whose logits are compared (score = logit(yes) -
    /// logit(no)). Part of key(): they choose the output rows the loaded copy computes.
    std::string yes_token = "yes";
    std::string no_token = "no";
    /// LLM yes/no re-rankers: after a yes verdict (P(yes) > 0.5), generate up to this many
    /// tokens of evidence text (greedy) after the verdict; 0 = off. Not part of key().
    std::size_t evidence_tokens = 0;
    /// LLM re-rankers: the chat format prompts are built in: "auto" (from the tokenizer's
    /// tokens), "chatml" (Qwen2/Qwen3) or "llama3". Part of key() when not "auto": it changes
    /// the ids of every prompt.
    std::string chat_template = "auto";

    /// Sets option `key` from its text form (a CLI value or a YAML scalar): `int8` takes
    /// true/false, `precision` fp32/int8, `device` cpu/cuda/auto, `max_length`, `batch_size`
    /// and `threads` whole numbers, `instruction`, `yes_token` and `no_token` non-empty text,
    /// `evidence_tokens` a whole number, `chat_template` auto/chatml/llama3.
    /// Throws UsageError naming the key and the accepted values.
    void set(std::string_view key, std::string_view value);
    /// True when `key` is a model option.
    [[nodiscard]] static bool is_option(std::string_view key);

    /// The sharing key: the folder's canonical path, precision, max_length and device (and
    /// yes_token / no_token and chat_template when not the defaults).
    [[nodiscard]] std::string key() const;
};

[[nodiscard]] std::string_view to_string(Precision precision);
[[nodiscard]] std::string_view to_string(Device device);

/// How a pool's schedulers batch and run. The defaults are those of `cascade serve`.
struct ModelPoolOptions {
    /// Forward-pass threads of a model, shared by its replicas (a pass running alone takes
    /// all of them); a model's ModelOptions::threads overrides it when not 0.
    std::size_t threads = 1;
    std::size_t replicas = 1;                  ///< copies of each model, each with its own worker
    std::size_t max_batch_tokens = 16384;      ///< token budget of one cross-request batch
    std::chrono::microseconds max_wait{2000};  ///< how long a batch waits for more requests
    std::size_t max_queue = 256;  ///< queued + running requests per model before refusing more

    /// For a process that submits its work and waits for it (the `rerank`, `embed` and `run`
    /// commands): no waiting for company and no queue limit.
    [[nodiscard]] static ModelPoolOptions for_command(std::size_t threads = 1);
};

class CrossEncoder;
class BiEncoder;
class ListReranker;
class SparseEncoder;
class TokenEncoder;
class TildeEncoder;

/// One term of a sparse (SPLADE) vector.
struct WeightedTerm {
    std::string term;  ///< the vocabulary entry as the tokenizer spells it (e.g. "run", "##ning")
    float weight = 0;  ///< log(1 + ReLU(logit)) maxed over the text's tokens; > 0
};

/// One token of a TILDEv2 document with the weight TILDEv2 stores for it.
struct WeightedToken {
    std::int32_t id = 0;  ///< vocabulary id (TildeEncoder::term gives its text)
    float weight = 0;     ///< ReLU(tok_proj(h)) maxed over the token's occurrences; >= 0
};

/// The list-level LLM re-rankers (docs/model.md, "LLM re-rankers beyond yes/no"): a query's
/// documents are ranked together rather than pair by pair.
enum class ListMethod {
    Listwise,  ///< RankGPT sliding windows, the model writes the permutation
    First,     ///< FIRST: windows ranked by the identifier logits of one forward pass
    Icr,       ///< in-context re-ranking: calibrated attention from the query to each document
};

/// Parses "listwise", "first" or "icr"; UsageError otherwise.
[[nodiscard]] ListMethod parse_list_method(std::string_view text);

struct ListRerankOptions {
    ListMethod method = ListMethod::First;
    std::size_t window = 20;           ///< listwise / first: passages per window
    std::size_t stride = 10;           ///< listwise / first: how far each window moves up
    std::size_t passage_tokens = 100;  ///< documents cut to this many tokens (0: whole)
};

/// Loads each model once per ModelOptions::key and hands out shared handles. Thread-safe;
/// copies share one pool. Handles keep the pool alive.
class ModelPool {
public:
    explicit ModelPool(const ModelPoolOptions& options = {});

    /// The cross-encoder in `options.dir`, loaded on first use. `name` labels it in metrics
    /// (default: the folder's name). Throws cascade::Error naming the folder and field when it
    /// is not a usable cross-encoder, UsageError when the same key is loaded as a bi-encoder.
    [[nodiscard]] CrossEncoder cross_encoder(const ModelOptions& options,
                                             std::string_view name = {}) const;
    /// The bi-encoder (sentence-transformers folder) in `options.dir`, as cross_encoder().
    [[nodiscard]] BiEncoder bi_encoder(const ModelOptions& options,
                                       std::string_view name = {}) const;
    /// A list-level LLM re-ranker on the decoder folder `options.dir` (weights shared with
    /// any yes/no re-ranker of the same folder and precision). Throws cascade::Error naming the
    /// folder when it is not a usable decoder.
    [[nodiscard]] ListReranker list_reranker(const ModelOptions& options,
                                             const ListRerankOptions& list = {}) const;
    /// The SPLADE encoder in `options.dir`, a Hugging Face BertForMaskedLM folder (its MLM head
    /// tied or not), loaded on first use; `options.max_length` 0 means the tokenizer.json
    /// truncation length, else the position limit. Throws UsageError naming the folder and the
    /// architecture it holds when it is not one (a cross-encoder, a DistilBERT MLM, ...), Error
    /// naming a missing tensor.
    [[nodiscard]] SparseEncoder sparse_encoder(const ModelOptions& options,
                                               std::string_view name = {}) const;
    /// The ColBERT encoder in `options.dir`, a colbert-ai HF_ColBERT folder (config.json
    /// architectures ["HF_ColBERT"], bert.* weights, linear.weight, artifact.metadata; without
    /// artifact.metadata colbert-ai's defaults apply), loaded on first use; queries and
    /// documents share one copy. `options.max_length` > 0 overrides doc_maxlen. Throws as
    /// sparse_encoder().
    [[nodiscard]] TokenEncoder token_encoder(const ModelOptions& options,
                                             std::string_view name = {}) const;
    /// The TILDEv2 encoder in `options.dir` (ielab/TILDE layout: config.json architectures
    /// ["TILDEv2"], bert.* weights, tok_proj), loaded on first use; `options.max_length` 0
    /// means TILDEv2's passage length of 192 tokens. Throws as sparse_encoder().
    [[nodiscard]] TildeEncoder tilde_encoder(const ModelOptions& options,
                                             std::string_view name = {}) const;
    /// Models loaded so far (a model with several replicas counts once).
    [[nodiscard]] std::size_t loads() const;
    /// Finishes queued work and stops every scheduler.
    void drain() const;

    struct Impl;  ///< opaque outside the library
    [[nodiscard]] const Impl& impl() const { return *m_impl; }

private:
    std::shared_ptr<Impl> m_impl;
};

/// A cross-encoder in a pool: one relevance logit per (query, document) pair.
class CrossEncoder {
public:
    /// Scores `documents[i]` against `queries[i]` (same length) as one request, so the model
    /// sorts all pairs by length into its forward passes; one logit per pair, in order.
    [[nodiscard]] std::vector<float> score_pairs(std::span<const std::string> queries,
                                                 std::span<const std::string> documents) const;
    /// Scores every document against `query`; one logit per document, in order.
    [[nodiscard]] std::vector<float> score(const std::string& query,
                                           std::span<const std::string> documents) const;
    /// Tokens per pair after truncation.
    [[nodiscard]] std::size_t max_length() const;
    /// LLM yes/no re-rankers loaded with evidence_tokens > 0: for each pair whose score (the
    /// logit difference score_pairs returned) is a yes verdict, the text the model writes after
    /// "yes"; empty for the other pairs. UsageError for other models or evidence_tokens 0.
    [[nodiscard]] std::vector<std::string> evidence(std::span<const std::string> queries,
                                                    std::span<const std::string> documents,
                                                    std::span<const float> scores) const;

    struct Impl;  ///< opaque outside the library
    explicit CrossEncoder(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

/// A list-level LLM re-ranker in a pool.
class ListReranker {
public:
    /// One score per document, in order, higher is better: for listwise and first the
    /// documents' count minus their rank (the rank starts at 0), for icr the calibrated
    /// attention score. The documents are ranked in the order given (the first-stage order).
    [[nodiscard]] std::vector<float> score(const std::string& query,
                                           std::span<const std::string> documents) const;

    struct Impl;  ///< opaque outside the library
    explicit ListReranker(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

/// A bi-encoder in a pool: one vector per text.
class BiEncoder {
public:
    /// Embeds `texts`: dimension() floats per text, concatenated in order.
    [[nodiscard]] std::vector<float> embed(std::span<const std::string> texts) const;
    /// Floats per embedding.
    [[nodiscard]] std::size_t dimension() const;
    /// Tokens per text after truncation.
    [[nodiscard]] std::size_t max_length() const;

    struct Impl;  ///< opaque outside the library
    explicit BiEncoder(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

/// A SPLADE encoder in a pool (Formal et al., 2021): a text, query or document, becomes one
/// weight per vocabulary term, w = max over its tokens (special tokens included) of
/// log(1 + ReLU(MLM logit)), as naver/splade computes it.
class SparseEncoder {
public:
    /// Per text, in order: its terms with weight > 0, by weight descending, ties by term;
    /// only the first `top_k` (0: all). A text is cut to max_length() tokens first. Ids the
    /// tokenizer has no entry for (a vocabulary padded past the tokenizer's) are left out.
    [[nodiscard]] std::vector<std::vector<WeightedTerm>> encode(std::span<const std::string> texts,
                                                                std::size_t top_k = 0) const;
    /// Entries of the model's vocabulary, the width of a dense SPLADE vector.
    [[nodiscard]] std::size_t vocab_size() const;
    /// Tokens per text after truncation, special tokens included.
    [[nodiscard]] std::size_t max_length() const;

    struct Impl;  ///< opaque outside the library
    explicit SparseEncoder(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

/// A ColBERT encoder in a pool (Khattab & Zaharia, 2020; colbert-ai conventions): one
/// L2-normalised dim()-float vector per token, for MaxSim late interaction.
class TokenEncoder {
public:
    /// Per query, in order, a row-major [query_length(), dim()] matrix: the vectors of
    /// `[CLS] [Q] text [SEP]` padded with [MASK] to query_length() tokens (query augmentation;
    /// the text cut to fit), every one kept.
    [[nodiscard]] std::vector<std::vector<float>> encode_queries(
        std::span<const std::string> texts) const;
    /// Per document, in order, a row-major [n, dim()] matrix: the vectors of
    /// `[CLS] [D] text [SEP]` (at most max_length() tokens) less punctuation tokens, so n is
    /// at least 3 even for an empty text.
    [[nodiscard]] std::vector<std::vector<float>> encode_documents(
        std::span<const std::string> texts) const;
    /// Floats per token vector (128 for colbertv2.0).
    [[nodiscard]] std::size_t dim() const;
    /// Tokens, so vectors, per query: artifact.metadata's query_maxlen.
    [[nodiscard]] std::size_t query_length() const;
    /// Longest document encoding in tokens: doc_maxlen, or ModelOptions::max_length.
    [[nodiscard]] std::size_t max_length() const;

    struct Impl;  ///< opaque outside the library
    explicit TokenEncoder(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

/// A TILDEv2 model in a pool (Zhuang & Zuccon, 2021): documents get one contextualised weight
/// per distinct token at index time; a query is only tokenised, and a document's score is the
/// sum over the query's tokens of the document's weight for that token (0 when absent).
class TildeEncoder {
public:
    /// Per document, in order, the weights TILDEv2 stores: one per distinct token id of
    /// `[CLS] text [SEP]` (cut to max_length() tokens) that is not a stop id (stop words,
    /// special tokens, symbols, `##s`; ielab/TILDE's get_stop_ids), the max over its
    /// occurrences, by id ascending. Empty when nothing is left.
    [[nodiscard]] std::vector<std::vector<WeightedToken>> document_weights(
        std::span<const std::string> texts) const;
    /// The same from token ids: per document, `[CLS] ids [SEP]` with the ids cut to fit
    /// max_length(), as ielab/TILDE's indexingv2.py encodes an expanded passage (its "psg":
    /// the passage's ids, [SEP], then the expansion's ids).
    [[nodiscard]] std::vector<std::vector<WeightedToken>> document_weights_of_ids(
        std::span<const std::vector<std::int32_t>> contents) const;
    /// The query's token ids as TILDEv2 scores them: no special tokens, stop ids removed,
    /// in order, duplicates kept (each occurrence adds its weight again).
    [[nodiscard]] std::vector<std::int32_t> query_tokens(const std::string& text) const;
    /// The vocabulary entry of `id`; empty when there is none.
    [[nodiscard]] std::string term(std::int32_t id) const;
    /// Tokens per document after truncation, special tokens included.
    [[nodiscard]] std::size_t max_length() const;

    struct Impl;  ///< opaque outside the library
    explicit TildeEncoder(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

private:
    std::shared_ptr<const Impl> m_impl;
};

}  // namespace cascade
