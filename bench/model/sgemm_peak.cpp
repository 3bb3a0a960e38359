// Measures the machine's OpenBLAS sgemm peak (GFLOP/s) on square products, the ceiling that
// bench_encoder's GFLOP/s are compared with.  Usage: sgemm_peak THREADS
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <cblas.h>

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::stoi(argv[1]) : 1;
    openblas_set_num_threads(threads);
    double best = 0;
    for (int n : {512, 1024, 2048}) {
        std::vector<float> a(n * n, 1.0f), b(n * n, 0.5f), c(n * n);
        for (int rep = 0; rep < 3; ++rep) {
            const std::clock_t t0 = std::clock();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a.data(), n,
                        b.data(), n, 0.0f, c.data(), n);
            // Process CPU time over all threads: per-core peak, robust to other load.
            const double s = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC / threads;
            best = std::max(best, 2.0 * n * n * n / s / 1e9);
        }
    }
    std::printf("{\"sgemm_peak_gflops\": %.1f, \"threads\": %d}\n", best, threads);
    return 0;
}
