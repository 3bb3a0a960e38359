#include "cli/commands.hpp"
#include "util/error.hpp"

namespace cascade::cli {

void add_convert_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("convert", "(not yet implemented)");
    cmd->callback([] { throw Error("'convert' is not implemented yet"); });
}

}  // namespace cascade::cli
