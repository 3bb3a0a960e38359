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

TEST(Cli, TildeExpansionOptionsNeedTildeAndOneSource) {
    // An expansion without the TILDEv2 part it feeds would be silently dropped.
    auto alone = run_cli("index --index /nonexistent --tilde-expansion /nonexistent-model");
    EXPECT_EQ(alone.exit_code, 2);
    EXPECT_NE(alone.err.find("--tilde-expansion requires --tilde"), std::string::npos) << alone.err;
    auto file_alone = run_cli("index --index /nonexistent --tilde-expansion-file x.jsonl");
    EXPECT_EQ(file_alone.exit_code, 2);
    auto both = run_cli(
        "index --index /nonexistent --tilde /m --tilde-expansion /e --tilde-expansion-file "
        "x.jsonl");
    EXPECT_EQ(both.exit_code, 2);
    EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
    auto terms = run_cli("index --index /nonexistent --tilde /m --expansion-terms 50");
    EXPECT_EQ(terms.exit_code, 2);
}
