import Foundation

/// A progress bar on standard error: `epoch 3/10 [#########.......] 58% 1088/1875 0:04 ETA 0:03 loss 0.0291`.
///
/// On a terminal it redraws one line in place (at most ten times a second). When standard error
/// is not a terminal (a log file, CI, a classroom runner), it prints a plain line at most every
/// `plainEvery` seconds (30) while the work goes on, so a long epoch never looks hung, and one
/// when it finishes.
public final class ProgressBar {
    public enum Unit { case items, bytes }

    public let title: String
    public let total: Int
    let unit: Unit
    let interactive: Bool
    let start = Date()
    let plainEvery: Double
    var lastDraw = Date.distantPast, lastPlain = Date()
    var completed = 0
    var status = ""
    /// Where the lines go (standard error; a test collects them).
    var output: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }

    public init(title: String, total: Int, unit: Unit = .items,
                interactive: Bool = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb",
                plainEvery: Double = 30) {
        self.title = title
        self.total = max(total, 1)
        self.unit = unit
        self.interactive = interactive
        self.plainEvery = plainEvery
    }

    /// Records progress; `status` is shown after the bar (a running loss, say).
    public func update(completed: Int, status: String = "") {
        self.completed = completed
        self.status = status
        let now = Date()
        if interactive {
            guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            write("\r" + line() + "\u{1B}[K")
        } else if now.timeIntervalSince(lastPlain) >= plainEvery {
            lastPlain = now
            write(line() + "\n")
        }
    }

    /// Draws the final state and ends the line.
    public func finish(status: String? = nil) {
        if let status { self.status = status }
        completed = max(completed, 0)
        write((interactive ? "\r" : "") + line(final: true) + (interactive ? "\u{1B}[K" : "") + "\n")
    }

    func line(final: Bool = false) -> String {
        let fraction = min(Double(completed) / Double(total), 1)
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = Date().timeIntervalSince(start)
        var text =
            "\(title) [\(bar)] \(String(format: "%3d", Int(fraction * 100)))% \(amount(completed))/\(amount(total)) "
                + "\(formatDuration(elapsed))"
        if !final && completed > 0 && fraction < 1 {
            text += " ETA " + formatDuration(elapsed / fraction - elapsed)
        }
        if !status.isEmpty { text += " " + status }
        return text
    }

    func amount(_ n: Int) -> String {
        unit == .bytes ? String(format: "%.1f MB", Double(n) / 1_000_000) : "\(n)"
    }

    func write(_ text: String) { output(text) }
}
