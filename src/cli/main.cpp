/// The `cascade` binary: subcommands for indexing, retrieval, re-ranking, evaluation, serving.
///
/// Exit codes: 0 success, 1 runtime failure (bad input file, I/O, corrupted index),
/// 2 usage error (unknown option, missing argument, invalid value).

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include <cascade/error.hpp>

#include "commands.hpp"
#include "dist.hpp"

#ifndef CASCADE_VERSION
#define CASCADE_VERSION "unknown"
#endif

namespace {

/// Prints an error; under MPI, an error every rank agreed on is printed by rank 0 only, and
/// any other names the rank that hit it.
void report(const std::exception& e) {
    if (cascade::cli::failure_agreed() && cascade::cli::world_rank() != 0) {
        return;
    }
    if (cascade::cli::world_rank() != 0) {
        std::fprintf(stderr, "cascade: error: rank %d: %s\n", cascade::cli::world_rank(), e.what());
        return;
    }
    std::fprintf(stderr, "cascade: error: %s\n", e.what());
}

int run(int argc, char** argv) {
    CLI::App app{"cascade: multi-stage retrieval, retrieve then re-rank", "cascade"};
    app.set_version_flag("--version", std::string("cascade ") + CASCADE_VERSION);
    app.require_subcommand(1);
    app.fallthrough(false);

    cascade::cli::add_eval_command(app);
    cascade::cli::add_index_command(app);
    cascade::cli::add_compare_command(app);
    cascade::cli::add_convert_command(app);
    cascade::cli::add_search_command(app);
    cascade::cli::add_rerank_command(app);
    cascade::cli::add_embed_command(app);
    cascade::cli::add_serve_command(app);
    cascade::cli::add_run_command(app);
    cascade::cli::add_reorder_command(app);
    cascade::cli::add_encode_sparse_command(app);
    cascade::cli::add_broker_command(app);
    cascade::cli::add_report_command(app);
#ifdef CASCADE_HAVE_LTR
    cascade::cli::add_train_ltr_command(app);
#endif

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    } catch (const cascade::UsageError& e) {
        report(e);
        return 2;
    } catch (const std::exception& e) {
        report(e);
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Setting up the commands or printing help can throw too (allocation, stream errors).
    try {
        const int code = run(argc, argv);
        if (code != 0 && !cascade::cli::failure_agreed()) {
            // Other ranks may wait in a collective for this one: end them all, not hang.
            cascade::cli::abort_world(code);
        }
        cascade::cli::finalize_world();  // MPI_Finalize when a command initialised MPI
        return code;
    } catch (...) {
        std::fputs("cascade: error: unexpected failure\n", stderr);
        return 1;
    }
}
