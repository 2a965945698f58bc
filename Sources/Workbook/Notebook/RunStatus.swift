import Foundation

/// Where a run stands: the line at the top of its report, which is rewritten as the run goes.
public enum RunStatus: Equatable, Sendable {
    /// `epoch` of `epochs` done, `elapsed` seconds since the start, about `remaining` to go; `unit`
    /// says what is counted (appendix C counts snapshots).
    case running(epoch: Int, of: Int, elapsed: Double, remaining: Double, unit: String = "epoch")
    case finished(elapsed: Double)
    /// Stopped before the end (Ctrl-C, a diverged loss): why, and the command that continues it.
    case stopped(reason: String, continueWith: String)

    public var line: String {
        switch self {
        case let .running(epoch, epochs, elapsed, remaining, unit):
            return "**Running:** \(unit) \(epoch) of \(epochs) done, \(formatDuration(elapsed)) since the start, about "
                + "\(formatDuration(remaining)) left. This page is rewritten after every \(unit)."
        case let .finished(elapsed):
            return "**Finished** in \(formatDuration(elapsed))."
        case let .stopped(reason, command):
            return
                "**Stopped:** \(reason). Everything up to the last finished epoch is below. Continue exactly where it "
                    + "stopped with "
                + "`\(command)`."
        }
    }

    public var isFinished: Bool { if case .finished = self { true } else { false } }
    public var isRunning: Bool { if case .running = self { true } else { false } }
}
