#pragma once
/// Exhaustive document-at-a-time disjunction: scores every document that contains at least one
/// query term. The reference every pruning algorithm is tested against.

#include <algorithm>
#include <span>
#include <vector>

#include "retrieve/scored_cursor.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

template <ScoredCursor Cursor, class Queue>
void exhaustive_query(std::span<Cursor> cursors, Queue& queue) {
    if (cursors.empty()) {
        return;
    }
    const std::uint32_t sentinel = cursors[0].sentinel();
    std::vector<float> scratch(cursors.size());
    TermScoreSum sum(scratch, order_free_sums(cursors));
    std::uint32_t current = sentinel;
    for (const Cursor& c : cursors) {
        current = std::min<std::uint32_t>(current, c.docid());
    }
    while (current < sentinel) {
        std::uint32_t next_doc = sentinel;
        for (std::size_t t = 0; t < cursors.size(); ++t) {
            Cursor& c = cursors[t];
            if (c.docid() == current) {
                sum.set(t, c.score());
                c.next();
            }
            next_doc = std::min<std::uint32_t>(next_doc, c.docid());
        }
        queue.insert(current, sum.take());
        current = next_doc;
    }
}

}  // namespace cascade::retrieve
