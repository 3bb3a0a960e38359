#include "cli/commands.hpp"
#include "util/error.hpp"

namespace cascade::cli {

void add_eval_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("eval", "(not yet implemented)");
    cmd->callback([] { throw Error("'eval' is not implemented yet"); });
}

}  // namespace cascade::cli
