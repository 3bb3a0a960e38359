/// The MPI communicator (compiled only with CASCADE_MPI): MPI_COMM_WORLD, initialised by the
/// first world() call of a process started by a launcher.
// The C API only: Open MPI's and MPICH's <mpi.h> otherwise pull in their deprecated C++
// bindings, which live in a library MPI::MPI_C does not link.
#define OMPI_SKIP_MPICXX 1   // NOLINT(cppcoreguidelines-macro-usage)
#define MPICH_SKIP_MPICXX 1  // NOLINT(cppcoreguidelines-macro-usage)
#include <mpi.h>

#include <climits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <cascade/error.hpp>

#include "dist.hpp"

namespace cascade::cli {

namespace {

int checked_size(std::size_t n) {
    if (n > static_cast<std::size_t>(INT_MAX)) {
        throw Error("a rank's message to gather exceeds 2 GiB (MPI counts are int)");
    }
    return static_cast<int>(n);
}

class MpiCommunicator final : public Communicator {
public:
    MpiCommunicator() {
        MPI_Init(nullptr, nullptr);
        MPI_Comm_rank(MPI_COMM_WORLD, &m_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &m_size);
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
    std::vector<std::string> exchange(const std::string& bytes, bool all) const {
        int mine = checked_size(bytes.size());
        std::vector<int> sizes(static_cast<std::size_t>(m_size));
        if (all) {
            MPI_Allgather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD);
        } else {
            MPI_Gather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
        }
        const bool receives = all || m_rank == 0;
        std::vector<int> offsets(sizes.size(), 0);
        std::size_t total = 0;
        if (receives) {
            for (std::size_t r = 0; r < sizes.size(); ++r) {
                offsets[r] = checked_size(total);
                total += static_cast<std::size_t>(sizes[r]);
            }
            (void)checked_size(total);
        }
        std::string buffer(total, '\0');
        if (all) {
            MPI_Allgatherv(bytes.data(), mine, MPI_CHAR, buffer.data(), sizes.data(),
                           offsets.data(), MPI_CHAR, MPI_COMM_WORLD);
        } else {
            MPI_Gatherv(bytes.data(), mine, MPI_CHAR, buffer.data(), sizes.data(), offsets.data(),
                        MPI_CHAR, 0, MPI_COMM_WORLD);
        }
        std::vector<std::string> parts;
        if (receives) {
            for (std::size_t r = 0; r < sizes.size(); ++r) {
                parts.push_back(buffer.substr(static_cast<std::size_t>(offsets[r]),
                                              static_cast<std::size_t>(sizes[r])));
            }
        }
        return parts;
    }

    int m_rank = 0;
    int m_size = 1;
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
