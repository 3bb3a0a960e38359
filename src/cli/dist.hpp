#pragma once
/// The one seam between the `cascade` commands and MPI (`mpirun -np N cascade index|search|run`,
/// docs/scale-out.md). Nothing else includes <mpi.h>: the MPI communicator lives in
/// dist_mpi.cpp, compiled only with CASCADE_MPI; without it, or without a launcher, every
/// process is rank 0 of 1 and the commands run exactly as they do serially.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <cascade/types.hpp>

namespace cascade::cli {

/// The processes of one launch: rank r of size.
class Communicator {
public:
    Communicator() = default;
    Communicator(const Communicator&) = delete;
    Communicator& operator=(const Communicator&) = delete;
    Communicator(Communicator&&) = delete;
    Communicator& operator=(Communicator&&) = delete;
    virtual ~Communicator() = default;

    [[nodiscard]] virtual int rank() const = 0;
    [[nodiscard]] virtual int size() const = 0;
    /// Every rank's `bytes`, in rank order, on every rank (collective). Any size: MPI moves
    /// them in rounds of at most 1 GiB (CASCADE_MPI_CHUNK_BYTES lowers it).
    [[nodiscard]] virtual std::vector<std::string> allgather(const std::string& bytes) = 0;
    /// Every rank's `bytes`, in rank order, on rank 0; empty elsewhere (collective).
    [[nodiscard]] virtual std::vector<std::string> gather(const std::string& bytes) = 0;
};

/// The launcher variable found in the environment ("" when none): OMPI_COMM_WORLD_SIZE (Open
/// MPI's mpirun/mpiexec), PMI_SIZE (MPICH's Hydra, Intel MPI, Slurm's PMI-1/2), PMIX_RANK
/// (PMIx: Slurm's srun --mpi=pmix, Open MPI 5's prterun).
[[nodiscard]] std::string launcher_variable();

/// Whether this binary was built with MPI (CASCADE_MPI).
[[nodiscard]] bool mpi_compiled();

/// This process's communicator. With MPI compiled in and a launcher in the environment, the
/// first call initialises MPI (MPI_Init, once); otherwise it is the serial rank 0 of 1 and
/// MPI is never initialised.
[[nodiscard]] Communicator& world();

/// This process's rank if world() has been called, else 0 (for printing on rank 0 only).
[[nodiscard]] int world_rank();

/// Ends every rank at once (MPI_Abort with `code`) when world() initialised MPI with more than
/// one rank; returns otherwise. For a failure the ranks did not agree on, where another rank
/// may be waiting in a collective.
void abort_world(int code);

/// Ends MPI when world() initialised it (MPI_Finalize); nothing otherwise. Called by main.
void finalize_world();

/// Runs `work` on every rank, then agrees collectively on success: when any rank threw, every
/// rank throws one error naming each failed rank and its message ("rank 2: ..."), a UsageError
/// when every failure was one (exit 2), else an Error (exit 1). No rank is left waiting in a
/// later collective. Serially it just runs `work`.
void run_agreed(Communicator& comm, const std::function<void()>& work);

/// Whether the error being thrown was agreed by run_agreed (every rank throws it; rank 0
/// alone prints it).
[[nodiscard]] bool failure_agreed();

/// A run as bytes (scores bit for bit) and back: unpack_run adds the queries of `bytes` to
/// `run` (the ranks' query shares are disjoint, so nothing is merged within a query).
[[nodiscard]] std::string pack_run(const Run& run);
void unpack_run(const std::string& bytes, Run& run);

/// Inside run_agreed's work: an allgather that also agrees on success. A rank that failed
/// before reaching it takes part through run_agreed's closing exchange instead, so every rank
/// then throws the same error and none waits for a collective the others left.
[[nodiscard]] std::vector<std::string> agreed_allgather(Communicator& comm,
                                                        const std::string& bytes);

/// The queries of rank `rank` of `size`: query i goes to rank i mod size.
template <typename T>
[[nodiscard]] std::vector<T> share_of(const std::vector<T>& all, int rank, int size) {
    std::vector<T> mine;
    for (std::size_t i = static_cast<std::size_t>(rank); i < all.size();
         i += static_cast<std::size_t>(size)) {
        mine.push_back(all[i]);
    }
    return mine;
}

}  // namespace cascade::cli
