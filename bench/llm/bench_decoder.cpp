// cascade side of the LLM re-ranker benchmark (bench/llm/run.sh): a pointwise yes/no re-ranker
// (runtime::DecoderReranker) over the (query, document) pairs of a JSONL file, grouped by query,
// with the shared prompt prefix on or off, fp32, int8 or bf16, on THREADS threads; and prefill
// speed on one long sequence. Writes the prompt ids (for the PyTorch side) and the scores.
//
//   bench_decoder MODEL_DIR PAIRS.jsonl THREADS [--int8 | --bf16] [--no-prefix] [--max-length N]
//                 [--ids OUT.jsonl] [--scores OUT.txt] [--prefill N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/kernels/cpu.hpp"
#include "runtime/decoder_reranker.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    using namespace cascade;
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_decoder MODEL_DIR PAIRS.jsonl THREADS [options]\n");
        return 2;
    }
    runtime::ModelOptions options;
    options.dir = argv[1];
    const std::size_t threads = std::stoul(argv[3]);
    options.threads = threads;
    options.batch_size = 64;
    options.max_length = 512;
    bool prefix = true;
    std::string ids_out, scores_out;
    std::size_t prefill = 0;
    for (int i = 4; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--int8")
            options.precision = Precision::Int8;
        else if (a == "--bf16")
            options.precision = Precision::Bf16;
        else if (a == "--no-prefix")
            prefix = false;
        else if (a == "--max-length" && i + 1 < argc)
            options.max_length = std::stoul(argv[++i]);
        else if (a == "--ids" && i + 1 < argc)
            ids_out = argv[++i];
        else if (a == "--scores" && i + 1 < argc)
            scores_out = argv[++i];
        else if (a == "--prefill" && i + 1 < argc)
            prefill = std::stoul(argv[++i]);
    }
    runtime::DecoderReranker model(options, threads);
    model.set_shared_prefix(prefix);

    // Pairs grouped by query, in file order.
    std::vector<std::string> queries;
    std::vector<std::vector<std::string>> docs;
    std::ifstream in(argv[2]);
    for (std::string line; std::getline(in, line);) {
        const auto j = nlohmann::json::parse(line);
        const auto q = j.at("query").get<std::string>();
        if (queries.empty() || queries.back() != q) {
            queries.push_back(q);
            docs.emplace_back();
        }
        docs.back().push_back(j.at("document").get<std::string>());
    }
    std::vector<model::Encoding> encodings;
    for (std::size_t q = 0; q < queries.size(); ++q)
        for (auto& e : model.encode_pairs(queries[q], docs[q], model.max_length()))
            encodings.push_back(std::move(e));
    if (!ids_out.empty()) {
        std::ofstream out(ids_out);
        for (const auto& e : encodings)
            out << nlohmann::json{{"ids", e.ids}}.dump() << "\n";
    }
    std::size_t tokens = 0;
    for (const auto& e : encodings)
        tokens += e.ids.size();

    const char* precision = options.precision == Precision::Int8   ? "int8"
                            : options.precision == Precision::Bf16 ? "bf16"
                                                                   : "fp32";
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();  // process CPU time: robust to other load
    const std::vector<float> scores = model.forward(encodings, threads);
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double s = seconds_since(t0);
    const auto stats = model.prefix_stats();
    std::printf(
        "cascade %-4s threads=%zu prefix=%-3s  %zu prompts, %zu prompt tokens (%zu run)  "
        "%.2f s  %.2f pairs/s  %.1f prompt tokens/s  (cpu %.2f s)  isa=%s\n",
        precision, threads, prefix ? "on" : "off", encodings.size(), tokens, stats.run_tokens, s,
        static_cast<double>(encodings.size()) / s, static_cast<double>(tokens) / s, cpu,
        model::kernels::isa_name(model::kernels::best_isa()));
    if (!scores_out.empty()) {
        std::ofstream out(scores_out);
        for (float v : scores)
            out << v << "\n";
    }
    if (prefill > 0) {
        // One sequence of `prefill` tokens (the first prompt's ids, repeated), logits of yes/no.
        std::vector<std::int32_t> ids;
        while (ids.size() < prefill)
            for (std::int32_t id : encodings.front().ids)
                if (ids.size() < prefill)
                    ids.push_back(id);
        const auto& decoder = runtime::shared_decoder_weights(options);
        model::kernels::ThreadPool pool(threads);
        const model::RunContext ctx{&pool, model::kernels::best_isa()};
        const std::vector<std::int32_t> rows{model.yes_id(), model.no_id()};
        model::KvCache warm = decoder->new_cache();
        (void)decoder->last_logits(std::span(ids).first(32), warm, ctx, rows);
        model::KvCache cache = decoder->new_cache(prefill);
        const auto t1 = std::chrono::steady_clock::now();
        const std::clock_t c1 = std::clock();
        (void)decoder->last_logits(ids, cache, ctx, rows);
        const double pc = static_cast<double>(std::clock() - c1) / CLOCKS_PER_SEC;
        const double p = seconds_since(t1);
        std::printf(
            "cascade %-4s threads=%zu prefill %zu tokens  %.2f s  %.1f tokens/s  (cpu %.2f s)\n",
            precision, threads, prefill, p, static_cast<double>(prefill) / p, pc);
    }
    return 0;
}
