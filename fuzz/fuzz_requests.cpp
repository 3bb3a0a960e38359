/// libFuzzer target: every request parser on arbitrary bytes. Checks, beyond "no crash", that
/// accepted requests respect the limits and that error bodies are valid JSON naming a field
/// or the body. Build and run with fuzz/run.sh; serve_fuzz_replay replays fuzz/corpus/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "serve/request.hpp"

namespace {

void check(bool ok) {
    if (!ok)
        std::abort();
}

void check_error(const cascade::serve::RequestError& e) {
    check(e.status >= 400 && e.status < 500);
    check(!e.message.empty());
    auto j = nlohmann::json::parse(cascade::serve::error_body(e), nullptr, false);
    check(!j.is_discarded() && j["error"]["status"] == e.status);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cascade::serve;
    std::string_view body(reinterpret_cast<const char*>(data), size);
    Limits limits;
    limits.max_body_bytes = 4096;
    limits.max_documents = 8;
    limits.max_document_chars = 64;
    limits.max_query_chars = 64;
    limits.max_k = 50;

    RerankRequest rerank;
    if (auto e = parse_rerank(body, limits, rerank)) {
        check_error(*e);
    } else {
        check(!rerank.documents.empty() && rerank.documents.size() <= limits.max_documents);
        check(count_code_points(rerank.query) <= limits.max_query_chars);
        for (const auto& d : rerank.documents) {
            check(count_code_points(d) <= limits.max_document_chars);
            (void)snippet(d, 10);
        }
        std::vector<IndexedScore> scores;
        for (std::size_t i = 0; i < rerank.documents.size(); ++i)
            scores.push_back({i, static_cast<float>(rerank.documents[i].size() % 3)});
        rank_scores(scores, rerank.top_n);
        check(rerank.top_n == 0 || scores.size() <= rerank.top_n);
    }
    TeiRerankRequest tei;
    if (auto e = parse_tei_rerank(body, limits, tei))
        check_error(*e);
    else
        check(!tei.texts.empty() && tei.texts.size() <= limits.max_documents);
    SearchRequest search;
    if (auto e = parse_search(body, limits, search))
        check_error(*e);
    else
        check(search.k >= 1 && search.k <= limits.max_k);
    return 0;
}
