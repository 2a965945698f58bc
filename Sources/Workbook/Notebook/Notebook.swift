import Foundation

/// A run's side of the notebook: the named outputs a chapter's program makes (tables, charts,
/// numbers; pictures are the files it draws), written after every epoch as `outputs.json` and
/// woven into the chapter's text as `report.md` and `report.html` (`Weave`). The program writes no
/// prose: what a reader reads lives in `chapters/`.
public final class Notebook {
    public let run: Run
    public let settings: Settings
    public private(set) var outputs: [Output] = []
    /// How long the run has trained, as `timing` was told: `metrics.json` records it.
    public private(set) var trainingSeconds: Double?

    public init(run: Run, settings: Settings) {
        self.run = run
        self.settings = settings
    }

    /// Adds an output (an output of the same name is replaced).
    public func add(_ name: String, _ title: String, _ markdown: String) {
        outputs.removeAll { $0.name == name }
        outputs.append(Output(name: name, title: title, markdown: markdown))
    }

    public func table(_ name: String, _ title: String, _ headers: [String], _ rows: [[String]]) {
        add(name, title, markdownTable(headers, rows))
    }

    public func bullets(_ name: String, _ title: String, _ items: [String]) {
        add(name, title, items.map { "- \($0)" }.joined(separator: "\n"))
    }

    /// A picture the run drew, by its file name in the output folder.
    public func picture(_ name: String, _ title: String, _ file: String, caption: String) {
        add(name, title, "![\(caption)](\(file))")
    }

    /// A chart, if gnuplot drew it (`file` is what `Chart.draw` returned): a chart not drawn is left out.
    public func chart(_ name: String, _ title: String, _ file: URL?, caption: String) {
        guard let file else { return }
        picture(name, title, file.lastPathComponent, caption: caption)
    }

    /// Saves the outputs and writes the woven page for where the run stands.
    public func write(_ status: RunStatus) throws {
        outputs.removeAll { ["command", "configuration"].contains($0.name) }
        outputs.insert(
            contentsOf: [
                Output(name: "command", title: "Command", markdown: "```sh\n\(run.command)\n```"),
                Output(
                    name: "configuration", title: "Configuration",
                    markdown: markdownTable(
                        ["setting", "value"],
                        settings.entries.map { [$0.name, $0.recorded] } + [
                            ["threads", "\(run.threads)"], ["data", "\(run.shownDataRoot) (from \(run.dataOrigin))"],
                        ])),
            ], at: 0)
        let record = RunOutputs(
            run: run.chapter, status: status.line, finished: status.isFinished, command: run.command, outputs: outputs)
        try record.write(to: run.outputFolder)
        try Self.writePage(
            of: Weave.Source(run: run.chapter, folder: run.outputFolder, outputs: record), program: run.program,
            status: status.line, live: status.isRunning, to: run.output("report.md"))
    }

    /// Weaves the chapter's text with a run and writes the page (`report.md`) and its web page
    /// (`report.html`) beside it, each atomically: a viewer that reloads while the run goes never
    /// sees half a file. `live` pages reload themselves.
    public static func writePage(
        of source: Weave.Source, program: String? = nil, status: String, live: Bool, to file: URL,
        repository: Repository = .current
    ) throws {
        let markdown: String
        if let text = try repository.text(forRun: source.run, program: program) {
            // The text's other runs (chapter 6 shows faces and digits) are shown as their reference runs.
            let others = Repository.runs(shownIn: try String(contentsOf: text, encoding: .utf8)).filter {
                $0 != source.run
            }
            .map { Weave.Source(run: $0, folder: repository.referenceFolder.appendingPathComponent($0)) }
            var weave = Weave(
                repository: repository, textFile: text, page: file.deletingLastPathComponent(),
                sources: [source] + others, status: status)
            markdown = try weave.woven()
        } else {  // a run no text shows (or no chapters/ at all): its outputs alone
            markdown =
                ([
                    "# \(source.run)", "", "> \(status)", "",
                    "*(No chapter's text shows this run, so its outputs stand alone.)*",
                ]
                + (source.outputs?.outputs ?? []).flatMap { ["", "## \($0.title)", "", $0.markdown] }).joined(
                    separator: "\n") + "\n"
        }
        let html = file.deletingPathExtension().appendingPathExtension("html")
        try Disk.write(markdown, to: file, kind: .report)
        try Disk.write(
            HTMLPage.page(title: title(of: markdown), markdown: markdown, live: live), to: html, kind: .report)
    }

    /// A page's title: its first heading, without the `#`.
    static func title(of markdown: String) -> String {
        let heading = markdown.split(separator: "\n").first { $0.hasPrefix("# ") }
        return heading.map { String($0.dropFirst(2)) } ?? "Generative Workbook"
    }
}

public extension Notebook {
    /// The "Time" output: wall time, training time and speed, then any further lines.
    func timing(
        trainingSeconds: Double, samples: Int, unit: String = "images", notebookSeconds: Double, _ more: [String] = []
    ) {
        self.trainingSeconds = trainingSeconds
        bullets(
            "time", "Time",
            [
                "wall time of this run: \(formatDuration(run.elapsed)); training: \(formatDuration(trainingSeconds))",
                "training speed: \(Int(Double(samples) / max(trainingSeconds, 1e-9))) \(unit) per second on "
                    + "\(run.threads) threads",
                "writing this notebook after every epoch (report and charts): \(fixed(notebookSeconds, 1)) s in all, "
                    + "\(fixed(100 * notebookSeconds / max(run.elapsed, 1e-9), 1))% of the wall time",
                "peak memory (maximum resident set): \(Run.peakMemoryMegabytes()) MB",
            ] + more)
    }

    /// The "every epoch" output: a line linking every epoch's picture (`epoch-001.png`, ...).
    func epochPictures(_ epochs: [Int]) {
        add("every epoch", "Every epoch's grid", "Every epoch's grid is kept: "
            + epochs.map { String(format: "[%d](epoch-%03d.png)", $0, $0) }.joined(separator: ", ") + ".")
    }

    /// A stand-in for a picture the run draws at its end (`samples.png`): while it runs, the latest epoch's grid.
    func latestGrid(for file: String, epoch: Int, caption: String) {
        add(file, "Latest grid", String(format: "![%@, epoch %d](epoch-%03d.png)", caption, epoch, epoch))
    }
}

/// A markdown table (GitHub's): a header row, the rule, the rows; a `|` in a cell is escaped.
public func markdownTable(_ headers: [String], _ rows: [[String]]) -> String {
    func row(_ cells: [String]) -> String {
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
    }
    return ([row(headers), row(headers.map { _ in "---" })] + rows.map(row)).joined(separator: "\n")
}

public extension Notebook {
    /// The output `name` says that the run it is to be put beside was not found, and which flag names it.
    func missingRun(_ name: String, _ title: String, folder: String, flag: String) {
        add(name, title, "*(The run to compare with was not found at `\(folder)`: pass `\(flag) <folder>`.)*")
    }
}
