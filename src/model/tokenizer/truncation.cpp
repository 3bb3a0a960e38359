#include "model/tokenizer/truncation.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "util/error.hpp"

namespace cascade::model::tok {

namespace {

void cut(IdSequence& s, std::size_t n) {
    if (s.ids.size() > n) {
        s.ids.resize(n);
        s.type_ids.resize(n);
    }
}

}  // namespace

std::size_t effective_length(std::size_t max_length, std::size_t added) {
    if (max_length < added) {
        throw Error("max_length " + std::to_string(max_length) + " is smaller than the " +
                    std::to_string(added) + " special tokens the tokenizer adds");
    }
    return max_length - added;
}

void truncate(IdSequence& a, IdSequence* b, std::size_t max_length, TruncationStrategy strategy) {
    std::size_t total = a.ids.size() + (b != nullptr ? b->ids.size() : 0);
    if (total <= max_length) {
        return;
    }
    std::size_t to_remove = total - max_length;
    if (strategy == TruncationStrategy::longest_first) {
        if (b == nullptr) {
            cut(a, max_length);
            return;
        }
        std::size_t n1 = a.ids.size();
        std::size_t n2 = b->ids.size();
        bool swapped = n1 > n2;
        if (swapped) {
            std::swap(n1, n2);
        }
        n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
        if (n1 + n2 > max_length) {
            // Both must shrink: half each, the longer one getting the odd token.
            n1 = max_length / 2;
            n2 = n1 + max_length % 2;
        }
        if (swapped) {
            std::swap(n1, n2);
        }
        cut(a, n1);
        cut(*b, n2);
        return;
    }
    IdSequence* target = strategy == TruncationStrategy::only_first ? &a : b;
    if (target == nullptr) {
        // A single sequence under only_second: HF errors; cascade cuts the only sequence.
        target = &a;
    }
    if (target->ids.size() <= to_remove) {
        throw Error("cannot truncate to " + std::to_string(max_length) + " tokens: the " +
                    (target == &a ? std::string("first") : std::string("second")) +
                    " sequence has only " + std::to_string(target->ids.size()) + " tokens and " +
                    std::to_string(to_remove) + " must go");
    }
    cut(*target, target->ids.size() - to_remove);
}

}  // namespace cascade::model::tok
