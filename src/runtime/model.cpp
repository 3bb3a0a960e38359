#include "runtime/model.hpp"

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::runtime {

std::string_view to_string(Task task) {
    switch (task) {
        case Task::ScorePairs:
            return "score pairs";
        case Task::EmbedTexts:
            return "embed texts";
        case Task::SparseTexts:
            return "encode sparse texts";
        case Task::TokenVectors:
            return "encode token vectors";
        case Task::TokenWeights:
            return "weight tokens";
    }
    return "?";
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
