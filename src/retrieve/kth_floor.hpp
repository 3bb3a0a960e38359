#pragma once
/// A lower bound of a posting list's k-th best score, read from its block summaries and a few
/// of its blocks: what prime_threshold() (scored_cursor.hpp) starts a query's top k from.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "index/format.hpp"
#include "retrieve/scored_cursor.hpp"

namespace cascade::retrieve {

/// A score that at least `k` postings of a list reach, 0 when none is known. The list has
/// `size` postings in `num_blocks` blocks of index::kBlockSize (the last may be shorter);
/// `list_bound` bounds every score. `best(b)` is the exact score of an actual posting of block
/// b that no other posting of the block beats (the index records one per block), or a
/// negative value when the block's summary does not name one. `reader` is a fresh copy of the
/// cursor and `seek(reader, b)` stands it on block b's first posting.
///
/// Two sources, both actual postings, so both safe: the k-th best of the blocks' best
/// postings (one per block: k distinct postings), and the postings of the blocks with the
/// highest bounds, read best block first until the k-th best score read beats every bound
/// left (it is then the list's k-th best) or a few blocks have been read.
template <class BestOf, class Reader, class Seek>
[[nodiscard]] float kth_floor_by_blocks(std::size_t k, std::uint32_t size, std::uint32_t num_blocks,
                                        float list_bound, BestOf best, Reader reader, Seek seek) {
    if (k == 0 || size < k || num_blocks == 0) {
        return 0.0F;
    }
    std::vector<std::pair<float, std::uint32_t>> bounds;  // (upper bound, block)
    bounds.reserve(num_blocks);
    std::vector<float> block_best;  // the blocks' best postings' scores
    block_best.reserve(num_blocks >= k ? num_blocks : 0);
    for (std::uint32_t b = 0; b < num_blocks; ++b) {
        const float s = best(b);
        if (!(s >= 0.0F)) {
            bounds.emplace_back(list_bound, b);
            continue;
        }
        bounds.emplace_back(safe_bound(s), b);
        if (num_blocks >= k) {
            block_best.push_back(s);
        }
    }
    float floor = 0.0F;
    if (block_best.size() >= k) {
        std::nth_element(block_best.begin(),
                         block_best.begin() + static_cast<std::ptrdiff_t>(k - 1), block_best.end(),
                         std::greater<>());
        floor = block_best[k - 1];
    }
    // Read the most promising blocks: enough to hold k postings, and a few more.
    const std::size_t budget = std::min<std::size_t>(
        num_blocks, 2 * ((k + index::kBlockSize - 1) / index::kBlockSize) + 2);
    const std::size_t sorted = std::min<std::size_t>(bounds.size(), budget + 1);
    std::partial_sort(bounds.begin(), bounds.begin() + static_cast<std::ptrdiff_t>(sorted),
                      bounds.end(), [](const auto& a, const auto& b) {
                          return a.first > b.first || (a.first == b.first && a.second < b.second);
                      });
    // The best scores read, kept to between k and 2k: `kth` is the k-th best of them as of
    // the last selection (a lower bound of the current one), and only scores above it are kept.
    std::vector<float> top;
    top.reserve(2 * k + index::kBlockSize);
    float kth = 0.0F;
    bool have_kth = false;
    const auto select = [&] {
        std::nth_element(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(k - 1), top.end(),
                         std::greater<>());
        kth = top[k - 1];
        top.resize(k);
        have_kth = true;
    };
    for (std::size_t j = 0; j < budget; ++j) {
        if (have_kth && kth >= bounds[j].first) {
            break;  // no block left holds a better posting
        }
        const std::uint32_t b = bounds[j].second;
        const std::uint32_t length =
            b + 1 < num_blocks ? index::kBlockSize : size - b * index::kBlockSize;
        seek(reader, b);
        for (std::uint32_t i = 0; i < length; ++i) {
            if (i > 0) {
                reader.next();  // never past the block's last posting: that decodes the next
            }
            const float s = reader.score();
            if (!have_kth || s > kth) {
                top.push_back(s);
            }
        }
        if (top.size() >= (have_kth ? 2 * k : k)) {
            select();
        }
    }
    if (top.size() >= k) {
        select();
    }
    if (have_kth) {
        floor = std::max(floor, kth);
    }
    return floor;
}

}  // namespace cascade::retrieve
