#pragma once
/// Helpers shared by the collection layer's tests.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "collection/reader.hpp"
#include "util/error.hpp"

namespace cascade::testing {

/// Every document `reader` yields, in order.
inline std::vector<Document> drain(DocumentReader& reader) {
    std::vector<Document> docs;
    Document d;
    while (reader.next(d)) {
        docs.push_back(d);
    }
    return docs;
}

/// Runs `fn`, expects an InputError whose message contains every needle.
template <typename Fn>
void expect_input_error(Fn&& fn, std::initializer_list<std::string> needles) {
    try {
        fn();
        ADD_FAILURE() << "no InputError thrown";
    } catch (const InputError& e) {
        std::string msg = e.what();
        for (const auto& needle : needles) {
            EXPECT_NE(msg.find(needle), std::string::npos) << "'" << needle << "' not in: " << msg;
        }
    }
}

}  // namespace cascade::testing
