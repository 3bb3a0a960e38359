/// The serial communicator, launcher detection and the collective agreement on success.
#include "dist.hpp"

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include <cascade/error.hpp>

namespace cascade::cli {

#ifdef CASCADE_MPI
/// dist_mpi.cpp: initialises MPI and returns MPI_COMM_WORLD's communicator.
std::unique_ptr<Communicator> make_mpi_communicator();
void finalize_mpi();
void abort_mpi(int code);
#endif

namespace {

/// Rank 0 of 1: the collectives return the caller's own bytes.
class SerialCommunicator final : public Communicator {
public:
    [[nodiscard]] int rank() const override { return 0; }
    [[nodiscard]] int size() const override { return 1; }
    [[nodiscard]] std::vector<std::string> allgather(const std::string& bytes) override {
        return {bytes};
    }
    [[nodiscard]] std::vector<std::string> gather(const std::string& bytes) override {
        return {bytes};
    }
};

bool g_failure_agreed = false;

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    }
}

void put_string(std::string& out, const std::string& s) {
    put_u64(out, s.size());
    out += s;
}

/// Reads what put_u64/put_string wrote; a short buffer is an internal error.
class Unpacker {
public:
    explicit Unpacker(const std::string& bytes) : m_bytes(bytes) {}
    [[nodiscard]] bool done() const { return m_at == m_bytes.size(); }
    std::uint64_t u64() {
        need(8);
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) {
            v |= static_cast<std::uint64_t>(static_cast<unsigned char>(m_bytes[m_at + i]))
                 << (8 * i);
        }
        m_at += 8;
        return v;
    }
    std::string str() {
        const std::uint64_t n = u64();
        need(n);
        std::string s = m_bytes.substr(m_at, n);
        m_at += n;
        return s;
    }

private:
    void need(std::uint64_t n) const {
        if (n > m_bytes.size() - m_at) {
            throw Error("a rank sent a truncated run (internal error)");
        }
    }
    const std::string& m_bytes;
    std::size_t m_at = 0;
};

std::unique_ptr<Communicator>& world_slot() {
    static std::unique_ptr<Communicator> slot;
    return slot;
}

}  // namespace

std::string launcher_variable() {
    // Each launcher sets these in every process it starts; none is set by a plain shell.
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
        if (std::getenv(name) != nullptr) {  // NOLINT(concurrency-mt-unsafe): read at start
            return name;
        }
    }
    return {};
}

bool mpi_compiled() {
#ifdef CASCADE_MPI
    return true;
#else
    return false;
#endif
}

Communicator& world() {
    auto& slot = world_slot();
    if (!slot) {
#ifdef CASCADE_MPI
        if (!launcher_variable().empty()) {
            slot = make_mpi_communicator();
        }
#endif
        if (!slot) {
            slot = std::make_unique<SerialCommunicator>();
        }
    }
    return *slot;
}

int world_rank() {
    return world_slot() ? world_slot()->rank() : 0;
}

void finalize_world() {
#ifdef CASCADE_MPI
    if (world_slot() && !launcher_variable().empty()) {
        finalize_mpi();
    }
#endif
}

void abort_world(int code) {
#ifdef CASCADE_MPI
    if (world_slot() && world_slot()->size() > 1) {
        abort_mpi(code);
    }
#else
    (void)code;
#endif
}

namespace {

/// An error every rank has already seen in an agreed exchange.
struct AgreedFailure {
    std::string message;
    bool usage = false;
};

/// Status byte of an agreed exchange: 0 success, 1 usage error, 2 other error; the payload (or
/// the error message) follows.
std::vector<std::string> exchange_status(Communicator& comm, char status,
                                         const std::string& bytes) {
    std::vector<std::string> all = comm.allgather(std::string(1, status) + bytes);
    std::string message;
    bool usage = true;
    for (std::size_t r = 0; r < all.size(); ++r) {
        if (all[r].empty() || all[r][0] == '\0') {
            continue;
        }
        usage = usage && all[r][0] == '\1';
        message += fmt::format("{}rank {}: {}", message.empty() ? "" : "; ", r, all[r].substr(1));
    }
    if (!message.empty()) {
        throw AgreedFailure{message, usage};
    }
    for (std::string& part : all) {
        part.erase(0, 1);
    }
    return all;
}

}  // namespace

std::vector<std::string> agreed_allgather(Communicator& comm, const std::string& bytes) {
    return exchange_status(comm, '\0', bytes);
}

void run_agreed(Communicator& comm, const std::function<void()>& work) {
    if (comm.size() == 1) {
        work();
        return;
    }
    try {
        try {
            work();
        } catch (const AgreedFailure&) {
            throw;
        } catch (const UsageError& e) {
            (void)exchange_status(comm, '\1', e.what());
        } catch (const std::exception& e) {
            (void)exchange_status(comm, '\2', e.what());
        }
        // Success: the closing exchange, where a rank that failed early reports.
        (void)exchange_status(comm, '\0', {});
    } catch (const AgreedFailure& failure) {
        g_failure_agreed = true;
        if (failure.usage) {
            throw UsageError(failure.message);
        }
        throw Error(failure.message);
    }
}

bool failure_agreed() {
    return g_failure_agreed;
}

std::string pack_run(const Run& run) {
    std::string out;
    put_u64(out, run.by_query.size());
    for (const auto& [qid, entries] : run.by_query) {
        put_string(out, qid);
        put_u64(out, entries.size());
        for (const RunEntry& e : entries) {
            put_string(out, e.docid);
            put_u64(out, std::bit_cast<std::uint64_t>(e.score));
            put_u64(out, static_cast<std::uint64_t>(static_cast<std::int64_t>(e.rank)));
        }
    }
    return out;
}

void unpack_run(const std::string& bytes, Run& run) {
    Unpacker in(bytes);
    const std::uint64_t queries = in.u64();
    for (std::uint64_t q = 0; q < queries; ++q) {
        std::string qid = in.str();
        const std::uint64_t n = in.u64();
        std::vector<RunEntry> entries;
        for (std::uint64_t i = 0; i < n; ++i) {
            RunEntry e;
            e.docid = in.str();
            e.score = std::bit_cast<double>(in.u64());
            e.rank = static_cast<int>(static_cast<std::int64_t>(in.u64()));
            entries.push_back(std::move(e));
        }
        run.by_query[std::move(qid)] = std::move(entries);
    }
}

}  // namespace cascade::cli
