#include "cli/commands.hpp"
#include "util/error.hpp"

namespace cascade::cli {

void add_compare_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("compare", "(not yet implemented)");
    cmd->callback([] { throw Error("'compare' is not implemented yet"); });
}

}  // namespace cascade::cli
