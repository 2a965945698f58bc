// A few things the kernels ask of the processor that Swift has no portable word for (Swift's own
// atomics need macOS 15). Each is one compiler builtin; none changes a computed value.
#if defined(__linux__)
#define _GNU_SOURCE
#include <sched.h>
#endif
#include <stdbool.h>

// Cache hints: start loading the line at `address` now, because it will be read (or written) soon.
static inline void prefetchForReading(const void *address) { __builtin_prefetch(address, 0, 3); }
static inline void prefetchForWriting(const void *address) { __builtin_prefetch(address, 1, 3); }

// Atomic operations on a word shared between threads, in one global order (sequentially consistent).
static inline long atomicLoad(const long *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }
static inline void atomicStore(long *word, long value) { __atomic_store_n(word, value, __ATOMIC_SEQ_CST); }
static inline long atomicAdd(long *word, long value) { return __atomic_add_fetch(word, value, __ATOMIC_SEQ_CST); }
static inline bool atomicCompareExchange(long *word, long expected, long desired) {
    return __atomic_compare_exchange_n(word, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

// Tells the core that this thread is waiting in a loop, so it can spare the other thread on the
// same core and save power.
static inline void spinPause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

// How many cores this process may run on (its CPU affinity: `taskset`, a container's cpuset),
// or 0 where the system does not say.
static inline int allowedCoreCount(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    return 0;
}

// Whether this build's target has 512-bit vector registers (AVX-512): the matmul kernel then keeps
// a 12 x 16 tile in twelve of them, twice the arithmetic per instruction of the 256-bit tile.
static inline bool hardwareHasWideVectors(void) {
#if defined(__AVX512F__)
    return true;
#else
    return false;
#endif
}
