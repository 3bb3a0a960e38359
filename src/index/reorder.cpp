#include "index/reorder.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <future>
#include <numeric>

#include "util/error.hpp"

namespace cascade::index {

namespace {

/// Documents as lists of compact term ids (terms with doc_freq >= min_doc_freq), CSR layout.
struct ForwardIndex {
    std::vector<std::uint64_t> offsets;  // [num_docs + 1]
    std::vector<std::uint32_t> terms;
    std::uint32_t num_terms = 0;

    [[nodiscard]] std::span<const std::uint32_t> of(std::uint32_t doc) const {
        return {terms.data() + offsets[doc], terms.data() + offsets[doc + 1]};
    }
};

ForwardIndex forward_index(const Index& index, std::uint32_t min_doc_freq) {
    ForwardIndex fwd;
    const std::uint32_t n = index.num_docs();
    fwd.offsets.assign(std::size_t{n} + 1, 0);
    // Pass 1: count each document's eligible terms; pass 2: fill.
    for (int pass = 0; pass < 2; ++pass) {
        std::vector<std::uint64_t> fill;
        if (pass == 1) {
            for (std::uint32_t d = 0; d < n; ++d)
                fwd.offsets[d + 1] += fwd.offsets[d];
            fwd.terms.resize(fwd.offsets[n]);
            fill.assign(fwd.offsets.begin(), fwd.offsets.end() - 1);
        }
        std::uint32_t term_id = 0;
        for (std::size_t f = 0; f < index.num_fields(); ++f) {
            const FieldIndex& field = index.field(f);
            for (std::uint64_t t = 0; t < field.stats().num_terms; ++t) {
                const TermInfo info = field.term_info_at(t);
                if (info.doc_freq < min_doc_freq)
                    continue;
                for (PostingCursor c = field.postings(info); c.docid() < n; c.next()) {
                    if (pass == 0)
                        ++fwd.offsets[c.docid() + 1];
                    else
                        fwd.terms[fill[c.docid()]++] = term_id;
                }
                ++term_id;
            }
        }
        fwd.num_terms = term_id;
    }
    return fwd;
}

/// Per-thread scratch: term degrees in the two halves and per-term move gains.
struct Scratch {
    std::vector<std::int32_t> left, right;
    std::vector<float> gain_lr, gain_rl;
    std::vector<std::uint32_t> touched;
    std::vector<std::pair<float, std::uint32_t>> gains_left, gains_right;

    explicit Scratch(std::uint32_t terms)
        : left(terms, 0), right(terms, 0), gain_lr(terms, 0.0F), gain_rl(terms, 0.0F) {}
};

/// deg * log2(n / (deg + 1)): the approximate log-gap cost of a list of `deg` documents spread
/// over `n` positions (Dhulipala et al., eq. 3).
double list_cost(double log2n, std::int32_t deg) {
    return deg == 0 ? 0.0 : static_cast<double>(deg) * (log2n - std::log2(deg + 1.0));
}

class Bisection {
public:
    Bisection(const ForwardIndex& fwd, const BpOptions& options, std::uint32_t depth)
        : m_fwd(fwd), m_options(options), m_depth(depth) {}

    /// Reorders docs[lo, hi) in place, then recurses on both halves.
    void run(std::vector<std::uint32_t>& docs, std::size_t lo, std::size_t hi, std::uint32_t level,
             Scratch& s, unsigned threads) {
        if (hi - lo < m_options.min_partition || level >= m_depth)
            return;
        const std::size_t mid = lo + (hi - lo) / 2;
        bisect(docs, lo, mid, hi, s);
        report();
        if (threads > 1) {
            // The halves are independent: one on a new thread with its own scratch.
            auto other = std::async(std::launch::async, [&, mid, hi, level, threads] {
                Scratch mine(m_fwd.num_terms);
                run(docs, mid, hi, level + 1, mine, threads / 2);
            });
            run(docs, lo, mid, level + 1, s, threads - threads / 2);
            other.get();
        } else {
            run(docs, lo, mid, level + 1, s, 1);
            run(docs, mid, hi, level + 1, s, 1);
        }
    }

    [[nodiscard]] std::uint64_t planned() const {
        return (std::uint64_t{1} << std::min<std::uint32_t>(m_depth, 62)) - 1;
    }

private:
    void report() {
        const std::uint64_t done = ++m_done;
        if (m_options.progress)
            m_options.progress(done, planned());
    }

    void bisect(std::vector<std::uint32_t>& docs, std::size_t lo, std::size_t mid, std::size_t hi,
                Scratch& s) const {
        const double log2_left = std::log2(static_cast<double>(mid - lo));
        const double log2_right = std::log2(static_cast<double>(hi - mid));
        for (unsigned it = 0; it < m_options.iterations; ++it) {
            // Degrees of every term in each half.
            s.touched.clear();
            for (std::size_t i = lo; i < hi; ++i) {
                auto& side = i < mid ? s.left : s.right;
                for (std::uint32_t t : m_fwd.of(docs[i])) {
                    if (s.left[t] == 0 && s.right[t] == 0)
                        s.touched.push_back(t);
                    ++side[t];
                }
            }
            // Gain of moving one document holding t across (positive: the cost drops).
            for (std::uint32_t t : s.touched) {
                const std::int32_t l = s.left[t];
                const std::int32_t r = s.right[t];
                const double now = list_cost(log2_left, l) + list_cost(log2_right, r);
                s.gain_lr[t] = l > 0 ? static_cast<float>(now - list_cost(log2_left, l - 1) -
                                                          list_cost(log2_right, r + 1))
                                     : 0.0F;
                s.gain_rl[t] = r > 0 ? static_cast<float>(now - list_cost(log2_left, l + 1) -
                                                          list_cost(log2_right, r - 1))
                                     : 0.0F;
            }
            s.gains_left.clear();
            s.gains_right.clear();
            for (std::size_t i = lo; i < hi; ++i) {
                double g = 0.0;
                const bool left = i < mid;
                for (std::uint32_t t : m_fwd.of(docs[i]))
                    g += left ? s.gain_lr[t] : s.gain_rl[t];
                (left ? s.gains_left : s.gains_right).emplace_back(static_cast<float>(g), docs[i]);
            }
            for (std::uint32_t t : s.touched) {
                s.left[t] = 0;
                s.right[t] = 0;
            }
            // Best movers first (ties by docid: deterministic); swap pairs while it pays.
            auto by_gain = [](const auto& a, const auto& b) {
                return a.first > b.first || (a.first == b.first && a.second < b.second);
            };
            std::sort(s.gains_left.begin(), s.gains_left.end(), by_gain);
            std::sort(s.gains_right.begin(), s.gains_right.end(), by_gain);
            std::size_t swaps = 0;
            const std::size_t pairs = std::min(s.gains_left.size(), s.gains_right.size());
            while (swaps < pairs && s.gains_left[swaps].first + s.gains_right[swaps].first > 0.0F) {
                std::swap(s.gains_left[swaps].second, s.gains_right[swaps].second);
                ++swaps;
            }
            if (swaps == 0)
                break;
            // Rewrite the halves; keep each half sorted by docid so the next round (and the
            // recursion) starts from a canonical order.
            std::size_t at = lo;
            for (const auto& g : s.gains_left)
                docs[at++] = g.second;
            for (const auto& g : s.gains_right)
                docs[at++] = g.second;
            std::sort(docs.begin() + static_cast<std::ptrdiff_t>(lo),
                      docs.begin() + static_cast<std::ptrdiff_t>(mid));
            std::sort(docs.begin() + static_cast<std::ptrdiff_t>(mid),
                      docs.begin() + static_cast<std::ptrdiff_t>(hi));
        }
    }

    const ForwardIndex& m_fwd;
    const BpOptions& m_options;
    std::uint32_t m_depth;
    std::atomic<std::uint64_t> m_done{0};
};

}  // namespace

std::vector<std::uint32_t> bp_order(const Index& index, const BpOptions& options,
                                    BpSummary* summary) {
    const auto start = std::chrono::steady_clock::now();
    if (options.threads < 1)
        throw UsageError("reordering needs at least 1 thread");
    const ForwardIndex fwd = forward_index(index, std::max<std::uint32_t>(1, options.min_doc_freq));
    std::vector<std::uint32_t> docs(index.num_docs());
    std::iota(docs.begin(), docs.end(), 0U);
    std::uint32_t depth = 0;
    for (std::uint64_t size = docs.size();
         size >= std::max<std::uint32_t>(2, options.min_partition); size /= 2)
        ++depth;
    Bisection bisection(fwd, options, depth);
    Scratch scratch(fwd.num_terms);
    bisection.run(docs, 0, docs.size(), 0, scratch, options.threads);
    if (summary != nullptr) {
        summary->terms = fwd.num_terms;
        summary->postings = fwd.terms.size();
        summary->depth = depth;
        summary->seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return docs;
}

double log_gap_cost(const Index& index, const std::vector<std::uint32_t>& order) {
    const std::uint32_t n = index.num_docs();
    CASCADE_ASSERT(order.size() == n);
    std::vector<std::uint32_t> position(n);
    for (std::uint32_t i = 0; i < n; ++i)
        position[order[i]] = i;
    double bits = 0.0;
    std::vector<std::uint32_t> list;
    for (std::size_t f = 0; f < index.num_fields(); ++f) {
        const FieldIndex& field = index.field(f);
        for (std::uint64_t t = 0; t < field.stats().num_terms; ++t) {
            list.clear();
            for (PostingCursor c = field.postings(field.term_info_at(t)); c.docid() < n; c.next())
                list.push_back(position[c.docid()]);
            std::sort(list.begin(), list.end());
            std::uint32_t prev = 0;
            for (std::size_t i = 0; i < list.size(); ++i) {
                const std::uint32_t gap = i == 0 ? list[i] : list[i] - prev;
                bits += std::log2(static_cast<double>(gap) + 1.0);
                prev = list[i];
            }
        }
    }
    return bits;
}

ReorderedReader::ReorderedReader(const Index& index, std::vector<std::uint32_t> order)
    : m_index(&index), m_order(std::move(order)) {
    std::vector<bool> seen(index.num_docs(), false);
    if (m_order.size() != index.num_docs())
        throw UsageError("reorder: the order does not list every document once");
    for (std::uint32_t d : m_order) {
        if (d >= index.num_docs() || seen[d])
            throw UsageError("reorder: the order does not list every document once");
        seen[d] = true;
    }
    if (!index.has_documents())
        throw UsageError("reorder: the index stores no documents to rebuild from");
}

bool ReorderedReader::next(Document& doc) {
    if (m_next >= m_order.size())
        return false;
    doc = m_index->document(m_order[m_next++]);
    return true;
}

}  // namespace cascade::index
