#pragma once
/// Block-Max MaxScore: MaxScore whose split into essential and non-essential lists is made
/// again for every window of docids, from bounds that hold in that window only. Chakrabarti,
/// Chaudhuri & Ganti, "Interval-based pruning for top-k processing over compressed lists",
/// ICDE 2011 (MaxScore over intervals bounded by block maxima); done a window at a time as
/// Lucene's MaxScoreBulkScorer does (Lucene 9.9+).
///
/// For each window [base, base + window_size) every list gets a bound: 0 when it has no posting
/// there (its cursor already stands past the window), the largest block maximum of the blocks
/// the window overlaps when there are at most kBlockMaxMaxScoreWindowBlocks of them, its list
/// bound otherwise. Sorted by those bounds, the lowest ones that together cannot reach the k-th
/// score are non-essential for the window; when that is every list, the window is skipped
/// without a posting decoded. Otherwise the candidates are the essential lists' documents: one
/// essential list is walked directly; several add their scores for the window into per-docid
/// sums first (as maxscore_query's windows do). Each candidate is completed from the
/// non-essential lists, highest bound first, while its bound still competes.
///
/// On the 1M synthetic corpus this runs the default query mix at k = 10 in 25 % fewer
/// instructions than the per-document form of PISA's block_max_maxscore_query did, and as many
/// as MaxScore (docs/benchmarks.md).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "retrieve/algorithm/docid_window.hpp"
#include "retrieve/scored_cursor.hpp"
#include "retrieve/top_k_queue.hpp"

namespace cascade::retrieve {

/// Docids per Block-Max MaxScore window. Of 1024 to 32768 on the 1M synthetic corpus (both
/// query sets, k = 10 and 1000), 4096 ran fastest overall.
inline constexpr std::uint32_t kBlockMaxMaxScoreWindow = 4096;
/// Blocks of one list read for a window's bound before its list bound is taken instead (a
/// 4096-docid window overlaps 16 blocks of a list holding half the documents). One block only
/// (bound = that block's maximum when it covers the window) ran 5-7 % slower at k = 10.
inline constexpr unsigned kBlockMaxMaxScoreWindowBlocks = 16;

template <BlockMaxCursor Cursor, class Queue>
void block_max_maxscore_query(std::span<Cursor> cursors, Queue& queue,
                              std::uint32_t window_size = kBlockMaxMaxScoreWindow) {
    window_size = std::max<std::uint32_t>(64, window_size / 64 * 64);  // whole bitmap words
    const std::size_t n = cursors.size();
    if (n == 0) {
        return;
    }
    const std::uint32_t sentinel = cursors[0].sentinel();
    const bool order_free = order_free_sums(cursors);  // as in maxscore_query

    std::vector<Cursor*> by_bound(n);   // this window's lists, lowest bound first
    std::vector<std::size_t> term(n);   // query-term index of by_bound[i]
    std::vector<float> bound(n);        // this window's bound of term i
    std::vector<double> prefix(n);      // bounds of by_bound[0..i], summed
    std::optional<DocidWindow> window;  // made when a window first has several essential lists
    std::vector<float> single_row(order_free ? 0 : n, 0.0F);

    std::uint32_t base = sentinel;
    for (const Cursor& c : cursors) {
        base = std::min<std::uint32_t>(base, c.docid());
    }
    while (base < sentinel) {
        const std::uint32_t end = sentinel - base > window_size ? base + window_size : sentinel;
        // The window's bounds, and its lists sorted by them (insertion sort: queries are short;
        // ties keep query-term order, so runs do not depend on the sort).
        for (std::size_t i = 0; i < n; ++i) {
            Cursor& c = cursors[i];
            float b = 0.0F;
            if (c.docid() < end) {
                // Walks the block pointer over the window's blocks: the cursor itself stays, and
                // next_geq(t) for t in the window still finds t (BlockMaxCursor allows it).
                c.shallow_next_geq(base);
                b = c.block_max_score();
                unsigned blocks = 1;
                while (c.block_max_docid() < end - 1) {
                    if (++blocks > kBlockMaxMaxScoreWindowBlocks) {
                        b = c.max_score();
                        break;
                    }
                    c.shallow_next_geq(c.block_max_docid() + 1);
                    b = std::max(b, c.block_max_score());
                }
            }
            bound[i] = b;
            std::size_t j = i;
            while (j > 0 && bound[term[j - 1]] > b) {
                term[j] = term[j - 1];
                --j;
            }
            term[j] = i;
        }
        double acc = 0.0;
        std::size_t first_essential = n;
        for (std::size_t j = 0; j < n; ++j) {
            by_bound[j] = &cursors[term[j]];
            acc += static_cast<double>(bound[term[j]]);
            prefix[j] = acc;
            if (first_essential == n && !queue.can_prune(static_cast<float>(acc))) {
                first_essential = j;
            }
        }
        if (first_essential == n) {  // nothing in the window can reach the k-th score
            base = end;
            continue;
        }
        // A document of the window, with the essential lists' part of its score in `partial`
        // (and, unless sums are order-free, the term scores in `row`): completed from the
        // non-essential lists, highest bound first, while its bound still competes. Inlined
        // into both callers: called through DocidWindow::drain it was not, for 0.6 % more
        // instructions and 2 % more mispredicted branches.
        auto complete = [&](std::uint32_t doc, double partial, float* row)
            __attribute__((always_inline)) {
            for (std::size_t j = first_essential; j-- > 0;) {
                if (queue.can_prune(static_cast<float>(partial + prefix[j]))) {
                    return;
                }
                Cursor& c = *by_bound[j];
                if (c.docid() < doc) {
                    c.next_geq(doc);
                }
                if (c.docid() == doc) {
                    const float s = c.score();
                    partial += static_cast<double>(s);
                    if (!order_free) {
                        row[term[j]] = s;
                    }
                }
            }
            const float score = window_score(partial, row, n, order_free);
            queue.insert(doc, score);
        };
        if (first_essential + 1 == n) {
            // One essential list: its postings are the candidates, taken as they come.
            Cursor& c = *by_bound[n - 1];
            if (c.docid() < base) {
                c.next_geq(base);
            }
            float* row = order_free ? nullptr : single_row.data();
            for (std::uint32_t d = c.docid(); d < end; d = c.docid()) {
                const float s = c.score();
                if (!order_free) {
                    row[term[n - 1]] = s;
                }
                c.next();
                complete(d, static_cast<double>(s), row);
                if (!order_free) {
                    std::fill(row, row + n, 0.0F);
                }
            }
        } else {
            // Several: they add their scores for the window, list after list, and the
            // documents seen come out in docid order.
            if (!window) {
                window.emplace(window_size, n, order_free);
            }
            for (std::size_t j = first_essential; j < n; ++j) {
                Cursor& c = *by_bound[j];
                if (c.docid() < base) {
                    c.next_geq(base);
                }
                window->add(c, term[j], base, end);
            }
            window->drain(base, complete);
        }
        // The next window starts at `end`, or further when every list already stands past it.
        base = sentinel;
        for (const Cursor& c : cursors) {
            base = std::min<std::uint32_t>(base, std::max<std::uint32_t>(c.docid(), end));
        }
    }
}

}  // namespace cascade::retrieve
