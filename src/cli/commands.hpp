#pragma once
/// Each subcommand lives in its own cmd_<name>.cpp and registers itself on the root app.
/// A subcommand's callback throws cascade::Error (exit 1) or cascade::UsageError (exit 2).

#include <CLI/CLI.hpp>

namespace cascade::cli {

void add_eval_command(CLI::App& app);
void add_index_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_search_command(CLI::App& app);
void add_rerank_command(CLI::App& app);
void add_embed_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_reorder_command(CLI::App& app);
void add_encode_sparse_command(CLI::App& app);
void add_broker_command(CLI::App& app);
void add_report_command(CLI::App& app);
/// Defined only when the LTR library is built (CASCADE_HAVE_LTR).
void add_train_ltr_command(CLI::App& app);

}  // namespace cascade::cli
