#include <gtest/gtest.h>

#include "model/tokenizer/tokenizer.hpp"
#include "tests/run_cli.hpp"

namespace cascade::model {
namespace {

TEST(Tokenizer, Placeholder) { SUCCEED(); }

}  // namespace
}  // namespace cascade::model
