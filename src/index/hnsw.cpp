#include "index/hnsw.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>

#include "index/vector_ops.hpp"
#include "util/error.hpp"

namespace cascade::index {
namespace {

constexpr std::uint32_t kMaxLevel = 31;

/// Visited marks reused across searches on one thread: a node is visited when its mark
/// equals the current epoch, so a new search costs an increment, not a clear.
class VisitedSet {
public:
    void start(std::uint32_t count) {
        if (m_marks.size() < count) {
            m_marks.assign(count, 0);
            m_epoch = 0;
        }
        if (++m_epoch == 0) {
            std::fill(m_marks.begin(), m_marks.end(), std::uint16_t{0});
            m_epoch = 1;
        }
    }
    /// Whether `node` was visited in this search (no mark).
    [[nodiscard]] bool seen_before(std::uint32_t node) const { return m_marks[node] == m_epoch; }
    /// True when `node` was not visited yet (and marks it).
    bool visit(std::uint32_t node) {
        if (m_marks[node] == m_epoch)
            return false;
        m_marks[node] = m_epoch;
        return true;
    }

private:
    std::vector<std::uint16_t> m_marks;
    std::uint16_t m_epoch = 0;
};

/// Asks for every cache line of a `dim`-float vector.
inline void prefetch_vector(const float* v, std::uint32_t dim) {
    const auto* p = reinterpret_cast<const char*>(v);
    const std::size_t bytes = static_cast<std::size_t>(dim) * sizeof(float);
    for (std::size_t off = 0; off < bytes; off += 64)
        __builtin_prefetch(p + off);
}

VisitedSet& visited_set() {
    thread_local VisitedSet set;
    return set;
}

// Distances are negated inner products: smaller is closer, as the paper writes the algorithms.
using Dist = std::pair<float, std::uint32_t>;
struct Farther {
    bool operator()(const Dist& a, const Dist& b) const { return a > b; }
};
using NearestFirst = std::priority_queue<Dist, std::vector<Dist>, Farther>;
using FarthestFirst = std::priority_queue<Dist>;  // top() = the farthest kept

/// Distances from a query to nodes through their fp32 vectors.
class F32Distance {
public:
    F32Distance(const float* query, const float* vectors, std::uint32_t dim)
        : m_query(query), m_vectors(vectors), m_dim(dim), m_dot(vector_kernels().dot_f32) {}
    [[nodiscard]] float operator()(std::uint32_t n) const { return -m_dot(m_query, at(n), m_dim); }
    /// Asks for every cache line of the node's vector.
    void prefetch(std::uint32_t n) const { prefetch_vector(at(n), m_dim); }

private:
    [[nodiscard]] const float* at(std::uint32_t n) const {
        return m_vectors + static_cast<std::size_t>(n) * m_dim;
    }
    const float* m_query;
    const float* m_vectors;
    std::uint32_t m_dim;
    DotF32 m_dot;
};

/// Distances through the nodes' int8 codes (a quarter of the bytes of fp32) and the query's:
/// -(query scale * node scale * integer dot product), approximate; the search re-scores what
/// it keeps in fp32.
class I8Distance {
public:
    I8Distance(const float* query, const HnswCodes& codes, std::uint32_t dim)
        : m_codes(codes), m_dim(dim), m_query(dim), m_dot(vector_kernels().dot_i8) {
        m_query_scale = quantize_i8({query, dim}, m_query);
    }
    [[nodiscard]] float operator()(std::uint32_t n) const {
        const std::int32_t s = m_dot(m_query.data(), at(n), m_dim);
        return -(static_cast<float>(s) * m_codes.scales[n] * m_query_scale);
    }
    /// Asks for the code's cache lines and its scale's.
    void prefetch(std::uint32_t n) const {
        const auto* p = reinterpret_cast<const char*>(at(n));
        const char* line = p - (reinterpret_cast<std::uintptr_t>(p) & 63U);  // its first line
        for (; line < p + m_dim; line += 64)
            __builtin_prefetch(line);
        __builtin_prefetch(m_codes.scales + n);
    }

private:
    [[nodiscard]] const std::int8_t* at(std::uint32_t n) const {
        return m_codes.codes + static_cast<std::size_t>(n) * m_dim;
    }
    HnswCodes m_codes;
    std::uint32_t m_dim;
    std::vector<std::int8_t> m_query;
    float m_query_scale = 0;
    DotI8 m_dot;
};

/// Algorithm 2 (SEARCH-LAYER): the `ef` closest nodes to the query reachable from `entry`.
/// `distance(node)` scores a node, `distance.prefetch(node)` asks for what it reads;
/// `for_links(node, fn)` calls fn(links) with the node's links on this level;
/// `prefetch_links(node)` asks for the cache line of the node's link block.
template <class Distance, class ForLinks, class PrefetchLinks>
FarthestFirst search_layer(const Distance& distance, std::uint32_t count, Dist entry,
                           std::size_t ef, const ForLinks& for_links,
                           const PrefetchLinks& prefetch_links) {
    VisitedSet& visited = visited_set();
    visited.start(count);
    visited.visit(entry.second);
    std::vector<Dist> candidate_store;
    std::vector<Dist> found_store;
    candidate_store.reserve(ef + 1);
    found_store.reserve(ef + 1);
    NearestFirst candidates(Farther{}, std::move(candidate_store));
    FarthestFirst found(std::less<Dist>{}, std::move(found_store));
    candidates.push(entry);
    found.push(entry);
    // The farthest distance kept (found.top().first), read on every neighbour.
    float bound = entry.first;
    while (!candidates.empty()) {
        const Dist c = candidates.top();
        if (c.first > bound && found.size() >= ef)
            break;
        candidates.pop();
        // The next candidate's links are read after this one's neighbours are scored.
        if (!candidates.empty())
            prefetch_links(candidates.top().second);
        for_links(c.second, [&](std::span<const std::uint32_t> links) {
            for (std::size_t i = 0; i < links.size(); ++i) {
                const std::uint32_t n = links[i];
                if (!visited.visit(n))
                    continue;
                // The next unvisited neighbour's whole vector (every cache line of it) is
                // fetched while this one is scored.
                for (std::size_t j = i + 1; j < links.size(); ++j)
                    if (!visited.seen_before(links[j])) {
                        distance.prefetch(links[j]);
                        break;
                    }
                const float d = distance(n);
                if (found.size() < ef || d < bound) {
                    candidates.emplace(d, n);
                    found.emplace(d, n);
                    if (found.size() > ef)
                        found.pop();
                    bound = found.top().first;
                }
            }
        });
    }
    return found;
}

/// Greedy descent on one level (SEARCH-LAYER with ef = 1, without a visited set).
template <class Distance, class ForLinks>
Dist greedy(const Distance& distance, Dist cur, const ForLinks& for_links) {
    bool moved = true;
    while (moved) {
        moved = false;
        for_links(cur.second, [&](std::span<const std::uint32_t> links) {
            for (const std::uint32_t n : links) {
                const float d = distance(n);
                if (d < cur.first || (d == cur.first && n < cur.second)) {
                    cur = {d, n};
                    moved = true;
                }
            }
        });
    }
    return cur;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class Builder {
public:
    Builder(const float* vectors, std::uint32_t count, std::uint32_t dim, const HnswParams& p)
        : m_vectors(vectors),
          m_count(count),
          m_dim(dim),
          m_params(p),
          m_locks(std::make_unique<std::mutex[]>(count)) {
        m_graph.m = p.m;
        m_graph.count = count;
        m_graph.level0.assign(static_cast<std::size_t>(count) * (1 + 2 * p.m), 0);
        m_graph.upper_offsets.resize(static_cast<std::size_t>(count) + 1);
        std::uint64_t offset = 0;
        for (std::uint32_t i = 0; i < count; ++i) {
            m_graph.upper_offsets[i] = offset;
            offset += static_cast<std::uint64_t>(hnsw_level(p.seed, i, p.m)) * (1 + p.m);
        }
        m_graph.upper_offsets[count] = offset;
        m_graph.upper.assign(offset, 0);
    }

    void insert_first() {
        m_graph.entry = 0;
        m_graph.max_level = level_of(0);
    }

    void insert(std::uint32_t q) {
        const std::uint32_t level = level_of(q);
        std::unique_lock top_lock(m_top, std::defer_lock);
        std::uint32_t entry = 0;
        std::uint32_t max_level = 0;
        {
            std::lock_guard lock(m_top);
            entry = m_graph.entry;
            max_level = m_graph.max_level;
        }
        if (level > max_level) {
            // This node becomes the entry point: no other insert may race it. Another one may
            // have raised the top while this one waited, so read the top again under the lock.
            top_lock.lock();
            entry = m_graph.entry;
            max_level = m_graph.max_level;
        }
        const F32Distance distance(vec(q), m_vectors, m_dim);
        Dist cur{distance(entry), entry};
        auto locked_links = [this](std::uint32_t level_of_search) {
            return [this, level_of_search](std::uint32_t node, const auto& fn) {
                std::uint32_t buffer[1 + 2 * 64];
                std::span<const std::uint32_t> copy;
                {
                    std::lock_guard lock(m_locks[node]);
                    const std::uint32_t* block = links_block(node, level_of_search);
                    const std::uint32_t n = block[0];
                    std::copy(block + 1, block + 1 + n, buffer);
                    copy = {buffer, n};
                }
                fn(copy);
            };
        };
        for (std::uint32_t l = max_level; l > level; --l)
            cur = greedy(distance, cur, locked_links(l));
        for (std::uint32_t l = std::min(level, max_level) + 1; l-- > 0;) {
            FarthestFirst found = search_layer(
                distance, m_count, cur, m_params.ef_construction, locked_links(l),
                [this, l](std::uint32_t node) { __builtin_prefetch(links_block(node, l)); });
            std::vector<Dist> candidates;
            candidates.reserve(found.size());
            while (!found.empty()) {
                candidates.push_back(found.top());
                found.pop();
            }
            std::reverse(candidates.begin(), candidates.end());  // nearest first
            cur = candidates.front();
            const std::vector<std::uint32_t> chosen = select(candidates, m_params.m);
            {
                std::lock_guard lock(m_locks[q]);
                std::uint32_t* block = links_block(q, l);
                block[0] = static_cast<std::uint32_t>(chosen.size());
                std::copy(chosen.begin(), chosen.end(), block + 1);
            }
            for (const std::uint32_t n : chosen)
                link_back(n, q, l);
        }
        if (level > max_level) {
            m_graph.entry = q;
            m_graph.max_level = level;
        }
    }

    HnswGraph take() { return std::move(m_graph); }

private:
    [[nodiscard]] const float* vec(std::uint32_t i) const {
        return m_vectors + static_cast<std::size_t>(i) * m_dim;
    }
    [[nodiscard]] std::uint32_t level_of(std::uint32_t node) const {
        return static_cast<std::uint32_t>(
            (m_graph.upper_offsets[node + 1] - m_graph.upper_offsets[node]) / (1 + m_params.m));
    }
    [[nodiscard]] std::uint32_t capacity(std::uint32_t level) const {
        return level == 0 ? 2 * m_params.m : m_params.m;
    }
    std::uint32_t* links_block(std::uint32_t node, std::uint32_t level) {
        if (level == 0)
            return m_graph.level0.data() + static_cast<std::size_t>(node) * (1 + 2 * m_params.m);
        return m_graph.upper.data() + m_graph.upper_offsets[node] +
               static_cast<std::size_t>(level - 1) * (1 + m_params.m);
    }

    /// Algorithm 4's heuristic: walk candidates nearest first, keep one when it is closer to
    /// the base than to every one already kept, up to `limit`.
    std::vector<std::uint32_t> select(const std::vector<Dist>& nearest_first,
                                      std::uint32_t limit) const {
        const DotF32 dot = vector_kernels().dot_f32;
        std::vector<std::uint32_t> kept;
        kept.reserve(limit);
        for (const auto& [d, c] : nearest_first) {
            if (kept.size() >= limit)
                break;
            bool good = true;
            for (const std::uint32_t r : kept) {
                if (-dot(vec(c), vec(r), m_dim) < d) {
                    good = false;
                    break;
                }
            }
            if (good)
                kept.push_back(c);
        }
        return kept;
    }

    /// Adds q to n's links on `level`, re-selecting n's links when the list is full.
    void link_back(std::uint32_t n, std::uint32_t q, std::uint32_t level) {
        std::lock_guard lock(m_locks[n]);
        std::uint32_t* block = links_block(n, level);
        const std::uint32_t size = block[0];
        const std::uint32_t cap = capacity(level);
        if (std::find(block + 1, block + 1 + size, q) != block + 1 + size)
            return;
        if (size < cap) {
            block[1 + size] = q;
            block[0] = size + 1;
            return;
        }
        const DotF32 dot = vector_kernels().dot_f32;
        std::vector<Dist> candidates;
        candidates.reserve(size + 1);
        candidates.emplace_back(-dot(vec(n), vec(q), m_dim), q);
        for (std::uint32_t i = 0; i < size; ++i)
            candidates.emplace_back(-dot(vec(n), vec(block[1 + i]), m_dim), block[1 + i]);
        std::sort(candidates.begin(), candidates.end());
        const std::vector<std::uint32_t> chosen = select(candidates, cap);
        block[0] = static_cast<std::uint32_t>(chosen.size());
        std::copy(chosen.begin(), chosen.end(), block + 1);
    }

    const float* m_vectors;
    std::uint32_t m_count;
    std::uint32_t m_dim;
    HnswParams m_params;
    HnswGraph m_graph;
    std::unique_ptr<std::mutex[]> m_locks;
    std::mutex m_top;
};

}  // namespace

std::uint32_t hnsw_level(std::uint64_t seed, std::uint32_t node, std::uint32_t m) {
    const std::uint64_t r = splitmix64(seed ^ splitmix64(node));
    // u in (0, 1]: 53 random bits, never 0.
    const double u = (static_cast<double>(r >> 11) + 1.0) * 0x1.0p-53;
    const double level = std::floor(-std::log(u) / std::log(static_cast<double>(m)));
    return static_cast<std::uint32_t>(std::min<double>(level, kMaxLevel));
}

HnswGraph build_hnsw(const float* vectors, std::uint32_t count, std::uint32_t dim,
                     const HnswParams& params, std::size_t threads,
                     const std::function<void(std::uint64_t)>& progress) {
    if (params.m < 2 || params.m > 64)
        throw UsageError("hnsw: M must be between 2 and 64");
    if (params.ef_construction < 1)
        throw UsageError("hnsw: ef_construction must be at least 1");
    Builder builder(vectors, count, dim, params);
    if (count == 0)
        return builder.take();
    builder.insert_first();
    std::atomic<std::uint32_t> next{1};
    std::atomic<std::uint64_t> done{1};
    std::mutex progress_mutex;
    auto work = [&] {
        for (std::uint32_t i = next++; i < count; i = next++) {
            builder.insert(i);
            const std::uint64_t d = ++done;
            if (progress && d % 4096 == 0) {
                std::lock_guard lock(progress_mutex);
                progress(d);
            }
        }
    };
    threads = std::max<std::size_t>(1, std::min<std::size_t>(threads, count));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t)
        pool.emplace_back(work);
    work();
    for (auto& t : pool)
        t.join();
    if (progress)
        progress(count);
    return builder.take();
}

HnswView HnswGraph::view(const float* vectors, std::uint32_t dim) const {
    HnswView v;
    v.m = m;
    v.count = count;
    v.dim = dim;
    v.entry = entry;
    v.max_level = max_level;
    v.level0 = level0.data();
    v.upper_offsets = upper_offsets.data();
    v.upper = upper.data();
    v.vectors = vectors;
    return v;
}

std::uint32_t HnswView::level_of(std::uint32_t node) const {
    return static_cast<std::uint32_t>((upper_offsets[node + 1] - upper_offsets[node]) / (1 + m));
}

std::span<const std::uint32_t> HnswView::links(std::uint32_t node, std::uint32_t level) const {
    const std::uint32_t* block =
        level == 0 ? level0 + static_cast<std::size_t>(node) * (1 + 2 * m)
                   : upper + upper_offsets[node] + static_cast<std::size_t>(level - 1) * (1 + m);
    return {block + 1, block[0]};
}

namespace {

/// Descends the upper levels greedily, then searches level 0 with `ef` candidates: the nodes
/// found, nearest first (ties by node).
template <class Distance>
std::vector<Dist> walk(const HnswView& g, const Distance& distance, std::size_t ef) {
    auto direct = [&g](std::uint32_t level) {
        return [&g, level](std::uint32_t node, const auto& fn) { fn(g.links(node, level)); };
    };
    Dist cur{distance(g.entry), g.entry};
    for (std::uint32_t l = g.max_level; l > 0; --l)
        cur = greedy(distance, cur, direct(l));
    FarthestFirst found =
        search_layer(distance, g.count, cur, ef, direct(0), [&g](std::uint32_t node) {
            __builtin_prefetch(g.level0 + static_cast<std::size_t>(node) * (1 + 2 * g.m));
        });
    std::vector<Dist> all;
    all.reserve(found.size());
    while (!found.empty()) {
        all.push_back(found.top());
        found.pop();
    }
    std::sort(all.begin(), all.end());  // nearest first, ties by node
    return all;
}

}  // namespace

std::vector<ScoredNode> HnswView::search(const float* query, std::size_t k, std::size_t ef) const {
    std::vector<ScoredNode> out;
    if (count == 0 || k == 0)
        return out;
    std::vector<Dist> all = walk(*this, F32Distance(query, vectors, dim), std::max(ef, k));
    all.resize(std::min(all.size(), k));
    out.reserve(all.size());
    for (const auto& [d, n] : all)
        out.emplace_back(-d, n);
    return out;
}

std::vector<ScoredNode> HnswView::search_int8(const float* query, const HnswCodes& codes,
                                              std::size_t k, std::size_t ef,
                                              std::size_t rescore) const {
    std::vector<ScoredNode> out;
    if (count == 0 || k == 0)
        return out;
    std::vector<Dist> all = walk(*this, I8Distance(query, codes, dim), std::max(ef, k));
    all.resize(std::min(all.size(), std::max(rescore, k)));
    // Every vector to re-score is asked for before the first is read.
    const F32Distance exact(query, vectors, dim);
    for (const auto& d : all)
        exact.prefetch(d.second);
    for (auto& d : all)
        d.first = exact(d.second);
    std::sort(all.begin(), all.end());
    all.resize(std::min(all.size(), k));
    out.reserve(all.size());
    for (const auto& [d, n] : all)
        out.emplace_back(-d, n);
    return out;
}

}  // namespace cascade::index
