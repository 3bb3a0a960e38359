/// What a rank of `mpirun -np N cascade index` spends reading the collection: the whole
/// collection parsed (every record through DocumentReader::next, as before the ranks skipped
/// the others' records) against its own records parsed and the others' passed over with
/// DocumentReader::skip. Process CPU seconds, three rounds each, alternating; the document
/// texts read are counted so that neither loop can be optimised away.
///
///   reader_skip COLLECTION [RANKS]     # RANKS default 2; this is rank 0's share
///
/// Built by bench/mpi/run_mpi.sh against a build's static libraries (not a CMake target).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "collection/reader.hpp"

namespace {

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: reader_skip COLLECTION [RANKS]\n");
        return 2;
    }
    const std::size_t ranks = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2;
    for (int round = 0; round < 3; ++round) {
        for (const bool skip : {false, true}) {
            auto reader = cascade::open_documents(argv[1]);
            cascade::Document doc;
            std::size_t records = 0;
            std::size_t text_bytes = 0;
            const double start = cpu_seconds();
            while (true) {
                const bool own = records % ranks == 0;
                if (!(own || !skip ? reader->next(doc) : reader->skip())) {
                    break;
                }
                text_bytes += own ? doc.text.size() : 0;
                ++records;
            }
            std::printf("%s\t%zu records\t%.3f CPU s\t%zu own text bytes\n",
                        skip ? "own parsed, others skipped" : "every record parsed", records,
                        cpu_seconds() - start, text_bytes);
        }
    }
    return 0;
}
