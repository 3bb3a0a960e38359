#include <gtest/gtest.h>

#include "tests/run_cli.hpp"

using cascade::testing::run_cli;

TEST(Cli, VersionPrintsNameAndExitsZero) {
    auto r = run_cli("--version");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("cascade "), std::string::npos);
}

TEST(Cli, NoSubcommandIsUsageError) {
    auto r = run_cli("");
    EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, UnknownOptionIsUsageError) {
    auto r = run_cli("eval --no-such-option");
    EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, EverySubcommandHasHelp) {
    for (const char* sub : {"index", "search", "run", "train-ltr", "rerank", "embed", "serve",
                            "eval", "compare", "convert"}) {
        auto r = run_cli(std::string(sub) + " --help");
        EXPECT_EQ(r.exit_code, 0) << sub;
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << ": " << r.out;
    }
}
