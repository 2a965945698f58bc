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
            return "**Stopped:** \(reason). Everything up to the last finished epoch is below. Continue exactly where it stopped with "
                + "`\(command)`."
        }
    }

    public var isFinished: Bool { if case .finished = self { true } else { false } }
    public var isRunning: Bool { if case .running = self { true } else { false } }
}

/// The executed notebook: a markdown file that records what a run did and what it drew.
public final class Report {
    public private(set) var markdown: String
    public let title: String
    public let status: RunStatus?

    public init(title: String, status: RunStatus? = nil) {
        self.title = title
        self.status = status
        markdown = "# \(title)\n"
        if let status { markdown += "\n> \(status.line)\n" }
    }

    public func heading(_ text: String, level: Int = 2) {
        markdown += "\n" + String(repeating: "#", count: level) + " \(text)\n"
    }

    public func paragraph(_ text: String) { markdown += "\n\(text)\n" }

    public func code(_ text: String, language: String = "") { markdown += "\n```\(language)\n\(text)\n```\n" }

    public func bullets(_ items: [String]) { markdown += "\n" + items.map { "- \($0)\n" }.joined() }

    public func table(_ headers: [String], _ rows: [[String]]) {
        markdown += "\n" + markdownTable(headers, rows) + "\n"
    }

    /// An image, by its path relative to the report.
    public func image(_ caption: String, _ path: String) { markdown += "\n![\(caption)](\(path))\n" }

    /// Writes the report to `url` (report.md) and, beside it, the same as a web page (report.html),
    /// each atomically: a viewer that reloads while the run goes never sees half a file.
    public func write(to url: URL) throws {
        let page = url.deletingPathExtension().appendingPathExtension("html")
        let live: Bool
        if case .running = status { live = true } else { live = false }
        do {
            try markdown.write(to: url, atomically: true, encoding: .utf8)
            try HTMLPage.page(title: title, markdown: markdown, live: live).write(to: page, atomically: true, encoding: .utf8)
        } catch {
            throw WorkbookError("cannot write the report \(url.path): \(error.localizedDescription)")
        }
    }
}

public extension Report {
    /// The sections every chapter's report starts with: the command that reproduces the run and
    /// its configuration (the chapter's settings, then seed, threads and data folder).
    func describe(_ run: Run, configuration: [(String, String)]) {
        heading("Command")
        code(run.command, language: "sh")
        heading("Configuration")
        table(["setting", "value"], configuration.map { [$0.0, $0.1] } + [
            ["seed", "\(run.seed)"], ["threads", "\(run.threads)"],
            ["data", "\(run.shownDataRoot) (from \(run.dataOrigin))"],
        ])
    }

    /// A section with a chart, if gnuplot drew it (`file` is what `Chart.draw` returned).
    func chart(_ file: URL?, heading title: String, caption: String) {
        guard let file else { return }
        heading(title)
        image(caption, file.lastPathComponent)
    }

    /// The closing "Time" section: wall time, training time and speed, then any further lines.
    func timing(_ run: Run, trainingSeconds: Double, samples: Int, unit: String = "images", notebookSeconds: Double, _ more: [String] = []) {
        heading("Time")
        bullets([
            "wall time of this run: \(formatDuration(run.elapsed)); training: \(formatDuration(trainingSeconds))",
            "training speed: \(Int(Double(samples) / max(trainingSeconds, 1e-9))) \(unit) per second on \(run.threads) threads",
            "writing this notebook after every epoch (report and charts): \(fixed(notebookSeconds, 1)) s in all, "
                + "\(fixed(100 * notebookSeconds / max(run.elapsed, 1e-9), 1))% of the wall time",
            "peak memory (maximum resident set): \(Run.peakMemoryMegabytes()) MB",
        ] + more)
    }

    /// A line linking every epoch's picture (`epoch-001.png`, ...).
    func epochPictures(_ epochs: [Int]) {
        paragraph("Every epoch's grid is kept: " + epochs.map { String(format: "[%d](epoch-%03d.png)", $0, $0) }.joined(separator: ", ") + ".")
    }
}
