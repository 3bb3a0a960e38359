#include "runtime/model.hpp"

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::runtime {

std::string_view to_string(Task task) {
    return task == Task::ScorePairs ? "score pairs" : "embed texts";
}

std::vector<model::Encoding> Model::encode_pairs(const std::string& /*query*/,
                                                 std::span<const std::string> /*documents*/,
                                                 std::size_t /*max_length*/,
                                                 std::string_view /*instruction*/) const {
    throw Error(fmt::format("this model does not {}; it can {}", to_string(Task::ScorePairs),
                            to_string(task())));
}

std::vector<model::Encoding> Model::encode_texts(std::span<const std::string> /*texts*/,
                                                 std::size_t /*max_length*/) const {
    throw Error(fmt::format("this model does not {}; it can {}", to_string(Task::EmbedTexts),
                            to_string(task())));
}

}  // namespace cascade::runtime
