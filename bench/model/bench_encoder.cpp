// Throughput driver for the encoder: reads token-id sequences (JSONL of {"input_ids",
// "token_type_ids"}), runs them through a model folder with the given threads and precision,
// prints pairs/s and GFLOP/s (of the full model, and of the work actually executed), and
// optionally the Spearman correlation of int8 against fp32.
//
//   bench_encoder MODEL_DIR IDS.jsonl THREADS [--int8 | --bf16] [--spearman] [--batch-size N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <numeric>
#include <string>

#include <nlohmann/json.hpp>

#include "model/encoder.hpp"
#include "model/kernels/gemm.hpp"

using namespace cascade::model;

namespace {

std::vector<double> ranks(const std::vector<float>& v) {
    std::vector<std::size_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < idx.size();) {
        std::size_t j = i;
        while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]])
            ++j;
        for (std::size_t k = i; k <= j; ++k)
            r[idx[k]] = (i + j) / 2.0;
        i = j + 1;
    }
    return r;
}

double spearman(const std::vector<float>& a, const std::vector<float>& b) {
    const auto ra = ranks(a), rb = ranks(b);
    const double n = static_cast<double>(a.size());
    const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
    const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
    double num = 0, da = 0, db = 0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        num += (ra[i] - ma) * (rb[i] - mb);
        da += (ra[i] - ma) * (ra[i] - ma);
        db += (rb[i] - mb) * (rb[i] - mb);
    }
    return num / std::sqrt(da * db);
}

// Multiply-adds ×2 of the encoder for one sequence of `len` tokens.
double flops(const ModelConfig& c, double len) {
    const double h = c.hidden_size, f = c.intermediate_size;
    const double linear = 2 * len * (4 * h * h + 2 * h * f);
    const double attention = 2 * 2 * len * len * h;
    return c.num_layers * (linear + attention);
}

// Multiply-adds ×2 actually executed: a head that reads only the first token runs the last
// layer for that row (fp32 also skips the K/V products: ops/first_query_attention.hpp).
double flops_computed(const ModelConfig& c, double len, bool int8) {
    const bool first_only =
        c.head == HeadKind::SequenceClassification || c.pooling == PoolingMode::Cls;
    if (!first_only || c.num_layers == 0)
        return flops(c, len);
    const double h = c.hidden_size, f = c.intermediate_size, heads = c.num_heads;
    const double one_row = 2 * (2 * h * h + 2 * h * f);  // Q, output projection, FFN
    const double kv =
        int8 ? 2 * len * 2 * h * h + 2 * 2 * len * h : 2 * heads * (2 * len * h) + 2 * 2 * h * h;
    return flops(c, len) / c.num_layers * (c.num_layers - 1) + one_row + kv;
}

std::vector<float> scores(const std::vector<std::vector<float>>& out) {
    std::vector<float> s;
    for (const auto& o : out)
        s.push_back(o.size() == 1 ? o[0] : o.back());
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr,
                     "usage: bench_encoder MODEL IDS.jsonl THREADS [--int8 | --bf16] "
                     "[--spearman] [--batch-size N]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const int threads = std::stoi(argv[3]);
    bool int8 = false, bf16 = false, rank_check = false;
    std::size_t batch = 32;
    for (int i = 4; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--int8")
            int8 = true;
        if (a == "--bf16")
            bf16 = true;
        if (a == "--spearman")
            rank_check = true;
        if (a == "--batch-size" && i + 1 < argc)
            batch = std::stoul(argv[++i]);
    }
    std::vector<Sequence> seqs;
    std::ifstream in(argv[2]);
    std::string line;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line);
        seqs.push_back({j["input_ids"].get<std::vector<std::int32_t>>(),
                        j["token_type_ids"].get<std::vector<std::int32_t>>()});
    }
    EncoderOptions options{batch, threads, int8};
    options.bf16 = bf16;
    Encoder enc(dir, options);
    double total_flops = 0, computed_flops = 0;
    for (const auto& s : seqs) {
        total_flops += flops(enc.config(), s.input_ids.size());
        computed_flops += flops_computed(enc.config(), s.input_ids.size(), int8);
    }
    (void)enc.run({seqs.begin(), seqs.begin() + std::min<std::size_t>(seqs.size(), 8)});  // warm
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();  // process CPU time: robust to other load
    const auto out = enc.run(seqs);
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "{\"engine\": \"cascade\", \"precision\": \"%s\", \"threads\": %d, \"pairs\": %zu, "
        "\"seconds\": %.3f, \"pairs_per_s\": %.1f, \"cpu_seconds\": %.3f, "
        "\"pairs_per_cpu_s\": %.2f, \"gflops_per_cpu_s\": %.1f, "
        "\"computed_gflops_per_cpu_s\": %.1f, \"isa\": \"%s\"",
        int8   ? "int8"
        : bf16 ? "bf16"
               : "fp32",
        threads, seqs.size(), sec, seqs.size() / sec, cpu, seqs.size() / cpu,
        total_flops / cpu / 1e9, computed_flops / cpu / 1e9,
        kernels::isa_name(kernels::best_isa()));
    if (rank_check) {
        // The reduced precision against fp32; fp32 against int8.
        Encoder ref(dir, {batch, threads, !int8 && !bf16});
        std::printf(", \"spearman_vs_%s\": %.5f", int8 || bf16 ? "fp32" : "int8",
                    spearman(scores(out), scores(ref.run(seqs))));
    }
    std::printf("}\n");
    return 0;
}
