/* The limit kernel of benchmarks/bench_eval.py: only the irreducible work of an exact, tie-aware
 * Hamming-ranking evaluation, for every (query, database item) pair one XOR + popcount of the
 * packed 64-bit words and one increment of a per-query, per-class, per-distance histogram.
 * No validation, no conversions, no metrics: what the engine is compared with.
 *
 * Layout (the fastest of those tried): blocks of BLOCK queries, word-major, so that the popcounts
 * of one database item against a whole block vectorise, and consecutive increments go to
 * different queries' histograms (no store-to-load conflicts on a repeated bin). Threads (OpenMP)
 * take query blocks dynamically.
 *
 * Build (bench_eval.py does it in a temporary directory when a C compiler is present):
 *     cc -O3 -march=native -fopenmp -shared -fPIC limit_kernel.c -o limit_kernel.so
 */
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define BLOCK 64

/* The number of threads the kernel runs on (1 without OpenMP). */
int limit_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* q: (n_q, words) uint64; d: (n_db, words) uint64; cls: (n_db,) int32 in [0, n_classes);
 * hist: (n_q, n_classes, n_bits + 1) int64, written (not accumulated). Returns 0, or -1 when
 * out of memory. */
int limit_histograms(const uint64_t *q, const uint64_t *d, const int32_t *cls, int64_t n_q, int64_t n_db,
                     int64_t words, int64_t n_bits, int64_t n_classes, int64_t *hist) {
    const int64_t width = n_bits + 1, per_query = n_classes * width;
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : failed)
    for (int64_t q0 = 0; q0 < n_q; q0 += BLOCK) {
        const int64_t rows = n_q - q0 < BLOCK ? n_q - q0 : BLOCK;
        uint64_t *qt = malloc(sizeof(uint64_t) * words * BLOCK);
        uint32_t *h = calloc((size_t)(rows * per_query), sizeof(uint32_t));
        uint32_t idx[BLOCK];
        if (!qt || !h) {
            failed = 1;
        } else {
            for (int64_t w = 0; w < words; w++)
                for (int64_t r = 0; r < rows; r++) qt[w * BLOCK + r] = q[(q0 + r) * words + w];
            for (int64_t j = 0; j < n_db; j++) {
                const uint32_t base = (uint32_t)(cls[j] * width);
                for (int64_t r = 0; r < rows; r++) idx[r] = (uint32_t)(r * per_query) + base;
                for (int64_t w = 0; w < words; w++) {
                    const uint64_t x = d[j * words + w];
                    for (int64_t r = 0; r < rows; r++) idx[r] += (uint32_t)__builtin_popcountll(qt[w * BLOCK + r] ^ x);
                }
                for (int64_t r = 0; r < rows; r++) h[idx[r]]++;
            }
            for (int64_t k = 0; k < rows * per_query; k++) hist[q0 * per_query + k] = h[k];
        }
        free(qt);
        free(h);
    }
    return failed ? -1 : 0;
}
