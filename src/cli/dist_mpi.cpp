/// The MPI communicator (compiled only with CASCADE_MPI): MPI_COMM_WORLD, initialised by the
/// first world() call of a process started by a launcher.
// The C API only: Open MPI's and MPICH's <mpi.h> otherwise pull in their deprecated C++
// bindings, which live in a library MPI::MPI_C does not link.
#define OMPI_SKIP_MPICXX 1   // NOLINT(cppcoreguidelines-macro-usage)
#define MPICH_SKIP_MPICXX 1  // NOLINT(cppcoreguidelines-macro-usage)
#include <mpi.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <cascade/error.hpp>

#include "dist.hpp"

namespace cascade::cli {

namespace {

/// Bytes one collective round moves at most, summed over the ranks: MPI counts and
/// displacements are int, so a rank's message over 2 GiB (a large shard's statistics) goes in
/// rounds. CASCADE_MPI_CHUNK_BYTES lowers it (the tests make every message take many rounds).
constexpr std::uint64_t kDefaultRoundBytes = std::uint64_t{1} << 30;

std::uint64_t round_bytes_from_environment() {
    const char* text = std::getenv("CASCADE_MPI_CHUNK_BYTES");  // NOLINT(concurrency-mt-unsafe)
    if (text == nullptr) {
        return kDefaultRoundBytes;
    }
    const std::string_view value(text);
    std::uint64_t bytes = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), bytes);
    if (ec != std::errc() || end != value.data() + value.size() || bytes == 0 ||
        bytes > kDefaultRoundBytes) {
        throw UsageError(
            fmt::format("CASCADE_MPI_CHUNK_BYTES must be a number of bytes from 1 to {}, got '{}'",
                        kDefaultRoundBytes, value));
    }
    return bytes;
}

class MpiCommunicator final : public Communicator {
public:
    MpiCommunicator() {
        MPI_Init(nullptr, nullptr);
        MPI_Comm_rank(MPI_COMM_WORLD, &m_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &m_size);
        // Every rank reads the same launch environment, so every rank cuts the same rounds.
        m_rank_round_bytes = std::max<std::uint64_t>(
            1, round_bytes_from_environment() / static_cast<std::uint64_t>(m_size));
    }
    [[nodiscard]] int rank() const override { return m_rank; }
    [[nodiscard]] int size() const override { return m_size; }

    [[nodiscard]] std::vector<std::string> allgather(const std::string& bytes) override {
        return exchange(bytes, true);
    }
    [[nodiscard]] std::vector<std::string> gather(const std::string& bytes) override {
        return exchange(bytes, false);
    }

private:
    /// Sizes go as 64-bit counts; the payload in rounds of at most m_rank_round_bytes per rank,
    /// so no int count or displacement of a round can overflow.
    std::vector<std::string> exchange(const std::string& bytes, bool all) const {
        const auto ranks = static_cast<std::size_t>(m_size);
        std::uint64_t mine = bytes.size();
        std::vector<std::uint64_t> sizes(ranks);
        // Every rank learns every size, a gather too: all must agree on the number of rounds.
        MPI_Allgather(&mine, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
        const bool receives = all || m_rank == 0;
        std::vector<std::string> parts(receives ? ranks : 0);
        for (std::size_t r = 0; r < parts.size(); ++r) {
            parts[r].resize(sizes[r]);
        }
        const std::uint64_t largest = *std::max_element(sizes.begin(), sizes.end());
        const std::uint64_t step = m_rank_round_bytes;
        std::vector<int> counts(ranks);
        std::vector<int> offsets(ranks);
        std::string round;
        // At least one round, so that empty messages still meet in a collective.
        for (std::uint64_t at = 0; at == 0 || at < largest; at += step) {
            int total = 0;
            for (std::size_t r = 0; r < ranks; ++r) {
                const std::uint64_t left = sizes[r] > at ? sizes[r] - at : 0;
                counts[r] = static_cast<int>(std::min(left, step));
                offsets[r] = total;
                total += counts[r];
            }
            round.resize(receives ? static_cast<std::size_t>(total) : 0);
            const char* send = bytes.data() + std::min<std::uint64_t>(at, mine);
            const int send_count = counts[static_cast<std::size_t>(m_rank)];
            if (all) {
                MPI_Allgatherv(send, send_count, MPI_CHAR, round.data(), counts.data(),
                               offsets.data(), MPI_CHAR, MPI_COMM_WORLD);
            } else {
                MPI_Gatherv(send, send_count, MPI_CHAR, round.data(), counts.data(), offsets.data(),
                            MPI_CHAR, 0, MPI_COMM_WORLD);
            }
            for (std::size_t r = 0; r < parts.size(); ++r) {
                if (counts[r] > 0) {
                    std::copy_n(round.data() + offsets[r], counts[r], parts[r].data() + at);
                }
            }
        }
        return parts;
    }

    int m_rank = 0;
    int m_size = 1;
    std::uint64_t m_rank_round_bytes = kDefaultRoundBytes;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() {
    return std::make_unique<MpiCommunicator>();
}

void abort_mpi(int code) {
    MPI_Abort(MPI_COMM_WORLD, code);
}

void finalize_mpi() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized != 0 && finalized == 0) {
        MPI_Finalize();
    }
}

}  // namespace cascade::cli
