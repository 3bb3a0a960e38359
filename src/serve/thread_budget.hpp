#pragma once
/// How model replicas share one budget of forward-pass threads (work-conserving data
/// parallelism): a pass that runs alone uses every thread, passes that run together split them.

#include <algorithm>
#include <cstddef>

namespace cascade::serve {

/// Threads for a forward pass that starts while `busy` passes run, itself included, out of a
/// budget of `budget` threads: budget / busy rounded down, at least 1 (so more busy replicas
/// than threads run one thread each). Passes already running keep the count they started with,
/// so the sum may briefly exceed the budget until they end. O(1).
[[nodiscard]] constexpr std::size_t fair_threads(std::size_t budget, std::size_t busy) {
    return std::max<std::size_t>(1, budget / std::max<std::size_t>(1, busy));
}

}  // namespace cascade::serve
