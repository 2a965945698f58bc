import CHardware
import Foundation

/// Spreads independent pieces of work over the CPU cores.
///
/// The kernels split their *output* into pieces and give each piece to one thread, which computes
/// every value in it in a fixed order. No value is ever summed by two threads, so the results are
/// bit-identical whatever the thread count: `--threads 1` and `--threads 2` draw the same pictures.
public enum Parallel {
    /// How many threads the kernels may use; every core this process may run on, unless the
    /// reader says otherwise. An atomic word: the tests change it while other tests run kernels.
    public static var threads: Int {
        get { atomicLoad(threadCount) }
        set { atomicStore(threadCount, newValue) }
    }
    private static let threadCount: UnsafeMutablePointer<Int> = {
        let word = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        word.initialize(to: availableCores)
        return word
    }()

    /// The cores this process may run on: on Linux those of its CPU affinity (`taskset`, a
    /// container's cpuset), which `activeProcessorCount` does not look at.
    public static var availableCores: Int {
        let allowed = Int(allowedCoreCount())
        return allowed > 0
            ? min(allowed, ProcessInfo.processInfo.activeProcessorCount) : ProcessInfo.processInfo.activeProcessorCount
    }

    /// Calls `body(piece)` for every piece in `0..<pieces`, with up to `threads` threads, each taking
    /// a contiguous run of pieces.
    public static func forEach(pieces: Int, _ body: (Int) -> Void) {
        let workers = min(threads, pieces)
        if workers <= 1 {
            for piece in 0..<pieces { body(piece) }
            return
        }
        withoutActuallyEscaping(body) { body in
            if WorkerTeam.shared.run(pieces: pieces, workers: workers, body) { return }
            // The team is busy (a parallel region inside another, or a second thread calling in):
            // the system's thread pool does the same split, only slower to start.
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for piece in WorkerTeam.share(of: worker, pieces: pieces, workers: workers) { body(piece) }
            }
        }
    }

    /// Splits `0..<count` into at most `threads` ranges whose bounds are multiples of `unit`
    /// (except the end), and calls `body` on each range, in parallel when `work` (a rough count
    /// of multiply-adds) is large enough to pay for waking a second thread.
    public static func forEachRange(_ count: Int, unit: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let units = (count + unit - 1) / unit
        let pieces = work < 60_000 ? 1 : min(threads, units)
        if pieces <= 1 { body(0..<count); return }
        forEach(pieces: pieces) { piece in
            let start = min(count, units * piece / pieces * unit)
            let end = min(count, units * (piece + 1) / pieces * unit)
            if start < end { body(start..<end) }
        }
    }
}

/// Worker threads that stay awake between parallel regions.
///
/// A training step opens about 150 parallel regions, many of them only tens of microseconds long.
/// Handing each to the system's thread pool (`DispatchQueue.concurrentPerform`) costs about 20
/// microseconds to wake a sleeping thread: several percent of a step. These workers instead *spin*:
/// they watch a shared counter, the generation, and start as soon as it moves, within a
/// microsecond. After a while without work (between epochs, while a picture is written) they go
/// to sleep on a condition variable, and the next region wakes them.
///
/// One region at a time: the calling thread publishes the work, raises the generation, does
/// share 0 itself, and waits until every worker has reported its share done.
final class WorkerTeam: @unchecked Sendable {
    static let shared = WorkerTeam()

    /// How long a worker spins for new work before it goes to sleep, in nanoseconds.
    private static let spinNanoseconds: UInt64 = 200_000

    /// Four shared words, each on a cache line of its own so that threads writing one do not slow
    /// down threads reading another.
    private let words = UnsafeMutableRawPointer.allocate(byteCount: 4 * 64, alignment: 64)
    // regions published
    private var generation: UnsafeMutablePointer<Int> { (words + 0).assumingMemoryBound(to: Int.self) }
    // workers not yet done
    private var pending: UnsafeMutablePointer<Int> { (words + 64).assumingMemoryBound(to: Int.self) }
    // 1 while a region runs
    private var busy: UnsafeMutablePointer<Int> { (words + 128).assumingMemoryBound(to: Int.self) }
    // workers asleep
    private var sleepers: UnsafeMutablePointer<Int> { (words + 192).assumingMemoryBound(to: Int.self) }

    // The region being run: written before the generation moves, read by the workers after.
    private var body: ((Int) -> Void)?
    private var pieces = 0, workers = 0

    private var workerCount = 0   // threads started so far (grown when `Parallel.threads` grows)
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private init() {
        for offset in stride(from: 0, to: 4 * 64, by: 64) { (words + offset).storeBytes(of: 0, as: Int.self) }
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
    }

    /// The pieces that `worker` takes: a contiguous run, the same whoever runs it.
    static func share(of worker: Int, pieces: Int, workers: Int) -> Range<Int> {
        (pieces * worker / workers)..<(pieces * (worker + 1) / workers)
    }

    /// Runs `body` on every piece, split into `workers` shares; false, without running anything,
    /// if the team is already running a region.
    func run(pieces: Int, workers: Int, _ body: @escaping (Int) -> Void) -> Bool {
        guard atomicCompareExchange(busy, 0, 1) else { return false }
        while workerCount < workers - 1 { startWorker() }
        self.body = body
        self.pieces = pieces
        self.workers = workers
        atomicStore(pending, workerCount)             // every worker reports, even one with no share
        atomicAdd(generation, 1)                      // go
        if atomicLoad(sleepers) > 0 {                 // wake the workers that stopped spinning
            pthread_mutex_lock(lock)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(lock)
        }
        for piece in Self.share(of: 0, pieces: pieces, workers: workers) { body(piece) }
        // Wait for the workers (yielding now and then, see `waitForNewGeneration`).
        var spins = 0
        while atomicLoad(pending) > 0 {
            spinPause()
            spins += 1
            if spins % 256 == 0 { sched_yield() }
        }
        self.body = nil
        atomicStore(busy, 0)
        return true
    }

    private func startWorker() {
        workerCount += 1
        // A new worker waits for the *next* region: started with the generation of regions past,
        // it would take the generation as new and read the region's body while the caller is
        // still writing it (ThreadSanitizer caught this when a test grew the team from 2 to 3).
        let index = workerCount, team = self, current = atomicLoad(generation)
        let thread = Thread { team.work(as: index, after: current) }
        thread.name = "Backprop worker \(index)"
        thread.start()
    }

    /// A worker's life: wait for the generation to move, do its share, report, and again.
    private func work(as index: Int, after generation: Int) {
        var seen = generation
        while true {
            seen = waitForNewGeneration(after: seen)
            doShare(index)
            atomicAdd(pending, -1)   // after `doShare` has let go of the body: `run` may then return
        }
    }

    @inline(never) private func doShare(_ index: Int) {
        guard index < workers, let body else { return }
        for piece in Self.share(of: index, pieces: pieces, workers: workers) { body(piece) }
    }

    /// Spins until the generation moves past `seen`, or sleeps once it has spun long enough.
    private func waitForNewGeneration(after seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        var spins = 0
        while true {
            let current = atomicLoad(generation)
            if current != seen { return current }
            spinPause()
            spins += 1
            if spins % 256 == 0 {
                // Every few microseconds, let another thread have this core if one is waiting
                // for it (more threads than cores: a spinning thread would hold up the others).
                sched_yield()
                if DispatchTime.now().uptimeNanoseconds > deadline { break }
            }
        }
        // Asleep. Counting itself a sleeper before the last look at the generation means that
        // `run`, which moves the generation before it looks for sleepers, cannot miss this thread.
        pthread_mutex_lock(lock)
        atomicAdd(sleepers, 1)
        while atomicLoad(generation) == seen { pthread_cond_wait(wake, lock) }
        atomicAdd(sleepers, -1)
        pthread_mutex_unlock(lock)
        return atomicLoad(generation)
    }
}
