import Foundation

/// Spreads independent pieces of work over the CPU cores.
///
/// The kernels split their *output* into pieces and give each piece to one thread, which computes
/// every value in it in a fixed order. No value is ever summed by two threads, so the results are
/// bit-identical whatever the thread count: `--threads 1` and `--threads 2` draw the same pictures.
public enum Parallel {
    /// How many threads the kernels may use; all cores unless the reader says otherwise.
    nonisolated(unsafe) public static var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Calls `body(piece)` for every piece in `0..<pieces`, with up to `threads` threads, each taking
    /// a contiguous run of pieces.
    public static func forEach(pieces: Int, _ body: (Int) -> Void) {
        let workers = min(threads, pieces)
        if workers <= 1 {
            for piece in 0..<pieces { body(piece) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = pieces * worker / workers, end = pieces * (worker + 1) / workers
                for piece in start..<end { body(piece) }
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
