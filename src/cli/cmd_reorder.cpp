/// `cascade reorder`: rewrites an index with its documents in BP order (smaller postings,
/// faster pruning, the same runs).
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include <cascade/reorder.hpp>

#include "commands.hpp"

namespace cascade::cli {
namespace {

struct ReorderArgs {
    std::string index;
    ReorderOptions options;
    bool quiet = false;
};

void run_reorder(ReorderArgs& args) {
    args.options.progress = !args.quiet;
    const ReorderReport r = reorder_index(args.index, args.options);
    const double postings = static_cast<double>(r.num_postings > 0 ? r.num_postings : 1);
    std::fprintf(
        stderr, "%s",
        fmt::format(
            "reorder {}: {} docs; postings {:.2f} -> {:.2f} bytes/posting "
            "({:+.1f}%); log-gap cost {:.2f} -> {:.2f} bits/posting; BP {:.1f} "
            "s, rebuild {:.1f} s\n",
            args.index, r.num_docs, static_cast<double>(r.postings_bytes_before) / postings,
            static_cast<double>(r.postings_bytes_after) / postings,
            100.0 * (static_cast<double>(r.postings_bytes_after) /
                         static_cast<double>(std::max<std::uint64_t>(1, r.postings_bytes_before)) -
                     1.0),
            r.log_gap_bits_before / postings, r.log_gap_bits_after / postings, r.bp_seconds,
            r.rebuild_seconds)
            .c_str());
}

}  // namespace

void add_reorder_command(CLI::App& app) {
    auto args = std::make_shared<ReorderArgs>();
    auto* cmd = app.add_subcommand(
        "reorder",
        "Reorder an index's documents by recursive graph bisection (BP): smaller postings, "
        "faster queries, identical runs. Add dense/token/impact parts after reordering");
    cmd->add_option("--index", args->index, "Index folder (rewritten in place, atomically)")
        ->required();
    cmd->add_option("--iterations", args->options.iterations, "Swap rounds per bisection")
        ->capture_default_str();
    cmd->add_option("--min-df", args->options.min_doc_freq,
                    "Leave terms in fewer documents out of the cost")
        ->capture_default_str();
    cmd->add_option("--threads", args->options.threads, "Threads")->capture_default_str();
    cmd->add_flag("--quiet", args->quiet, "No progress bars");
    cmd->callback([args] { run_reorder(*args); });
}

}  // namespace cascade::cli
