import Foundation
import Testing
@testable import Backprop

/// The worker team that runs the kernels' parallel regions: every piece must be done exactly once,
/// by the thread whose share it is, however the regions come: back to back, after the workers
/// have gone to sleep, nested, or from two threads at once.
@Suite("Parallel regions", .timeLimit(.minutes(1)))
struct ParallelTests {
    /// Runs one region and returns how often each piece was done (each slot is written by one
    /// thread only, unless the split is wrong).
    func timesDone(pieces: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: pieces)
        counts.withUnsafeMutableBufferPointer { counts in
            Parallel.forEach(pieces: pieces) { piece in counts[piece] += 1 }
        }
        return counts
    }

    @Test(arguments: [2, 3, 4])
    func everyPieceOnceBackToBack(threads: Int) {
        withThreads(threads) {
            for pieces in [2, 3, 7, 1000] {
                for _ in 0..<200 { #expect(timesDone(pieces: pieces) == Array(repeating: 1, count: pieces)) }
            }
        }
    }

    @Test func workersWakeUpAfterSleeping() {
        withThreads(2) {
            for _ in 0..<5 {
                Thread.sleep(forTimeInterval: 0.005)   // far longer than a worker spins before it sleeps
                // On a thread of its own, so that a worker never woken fails the test instead of hanging it.
                let done = DispatchSemaphore(value: 0)
                nonisolated(unsafe) var counts: [Int] = []
                Thread { counts = timesDone(pieces: 64); done.signal() }.start()
                guard done.wait(timeout: .now() + 20) == .success else {
                    Issue.record("a worker asleep between regions was not woken up")
                    return
                }
                #expect(counts == Array(repeating: 1, count: 64))
            }
        }
    }

    @Test func eachThreadTakesItsOwnShare() {
        let slots = UnsafeMutableBufferPointer<Int>.allocate(capacity: 9)
        defer { slots.deallocate() }
        slots.initialize(repeating: -1)
        // On the team itself (another test may hold it for a moment: then try again).
        while !WorkerTeam.shared.run(pieces: 9, workers: 3, { piece in slots[piece] = ThreadIDs.current }) {
            Thread.sleep(forTimeInterval: 0.001)
        }
        let owner = Array(slots)
        // Three shares of three pieces each, done by three different threads, the first by the caller.
        #expect(owner[0..<3].allSatisfy { $0 == ThreadIDs.current })
        #expect(Set(owner[3..<6]).count == 1 && Set(owner[6..<9]).count == 1)
        #expect(Set(owner).count == 3)
    }

    @Test func nestedRegionsAndTwoCallersAtOnce() {
        withThreads(2) {
            // A region inside a region: the inner one cannot use the busy team and takes the
            // system's thread pool instead.
            var inner = [Int](repeating: 0, count: 4 * 50)
            inner.withUnsafeMutableBufferPointer { inner in
                Parallel.forEach(pieces: 4) { outer in
                    Parallel.forEach(pieces: 50) { piece in inner[outer * 50 + piece] += 1 }
                }
            }
            #expect(inner == Array(repeating: 1, count: 200))

            // Two threads running regions at the same time.
            var results = [[Int]](repeating: [], count: 2)
            results.withUnsafeMutableBufferPointer { results in
                DispatchQueue.concurrentPerform(iterations: 2) { caller in
                    var all: [Int] = []
                    for _ in 0..<300 { all += timesDone(pieces: 5) }
                    results[caller] = all
                }
            }
            #expect(results[0] == Array(repeating: 1, count: 1500))
            #expect(results[1] == Array(repeating: 1, count: 1500))
        }
    }
}

/// A number for the calling thread, different for every thread alive.
enum ThreadIDs {
    static var current: Int { Int(bitPattern: UInt(pthread_self())) }
}
