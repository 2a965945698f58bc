import Foundation

/// A line chart drawn by gnuplot. The data (`NAME.dat`) and the script (`NAME.gp`) are always
/// written, so a reader can change the script and re-plot; gnuplot then draws `NAME.png`.
public struct Chart {
    public struct Series {
        public var title: String
        public var points: [(x: Double, y: Double)]
        /// gnuplot's style: "lines" for many noisy points, "linespoints" for a few.
        public var style: String
        public init(_ title: String, _ points: [(x: Double, y: Double)], style: String = "lines") {
            self.title = title
            self.points = points
            self.style = style
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var logScaleY = false
    /// Where gnuplot puts the legend ("top right", "bottom right", "center right", ...).
    public var key = "top right"
    /// More gnuplot commands for this chart, such as "set yrange [0:*]".
    public var settings: [String] = []

    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], logScaleY: Bool = false,
        key: String = "top right"
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logScaleY = logScaleY
        self.key = key
    }

    nonisolated(unsafe) static var warnedAboutGnuplot = false

    /// Writes `name.dat` and `name.gp` into `folder` and runs gnuplot there. Returns the PNG's
    /// URL, or nil (after one warning per run) when gnuplot is missing or fails.
    @discardableResult
    public func draw(into folder: URL, name: String) throws -> URL? {
        var data = "", blocks = 0
        let script = """
            # Draws \(name).png from \(name).dat. Re-draw after editing: gnuplot \(name).gp (in this folder)
            set terminal pngcairo size 900,520 enhanced font 'sans,11'
            set output '\(name).png'
            \(commands(name: name, data: &data, blocks: &blocks))
            """
        return try Self.draw(script: script, data: data, into: folder, name: name)
    }

    /// Several charts side by side in one picture (gnuplot's multiplot): a strip of snapshots.
    @discardableResult
    public static func drawStrip(_ charts: [Chart], title: String, panelSize: (width: Int, height: Int) = (330, 330),
                                 into folder: URL, name: String) throws -> URL? {
        var data = "", blocks = 0
        let panels = charts.map { $0.commands(name: name, data: &data, blocks: &blocks) }
        let script = """
            # Draws \(name).png from \(name).dat: \(charts.count) charts side by side. Re-draw after editing: gnuplot \(name).gp
            set terminal pngcairo size \(panelSize.width * charts.count),\(panelSize.height + 30) enhanced font 'sans,10'
            set output '\(name).png'
            set multiplot layout 1,\(charts.count) title "\(title.replacingOccurrences(of: "\"", with: "'"))"
            \(panels.joined(separator: "\n"))
            unset multiplot

            """
        return try draw(script: script, data: data, into: folder, name: name)
    }

    /// The gnuplot commands that draw this chart from `name.dat`, whose data they append to `data`
    /// (numbering its blocks after the `blocks` already there).
    private func commands(name: String, data: inout String, blocks: inout Int) -> String {
        let drawn = series.filter { !$0.points.isEmpty }
        let first = blocks
        blocks += drawn.count
        data += "# \(title)\n"
        for (index, s) in drawn.enumerated() {
            data += "# index \(first + index): \(s.title)\n# \(xLabel)\t\(yLabel)\n"
            for p in s.points { data += "\(p.x)\t\(p.y)\n" }
            data += "\n\n"
        }
        let plots = drawn.enumerated().map { index, s in
            "'\(name).dat' index \(first + index) using 1:2 with \(s.style) lw 2 title \"\(quoted(s.title))\""
        }
        return """
            set title "\(quoted(title))"
            set xlabel "\(quoted(xLabel))"
            set ylabel "\(quoted(yLabel))"
            set grid
            set key \(key)
            \(logScaleY ? "set logscale y" : "unset logscale y")\(settings.map { "\n" + $0 }.joined())
            plot \(plots.isEmpty ? "0 notitle" : plots.joined(separator: ", \\\n     "))

            """
    }

    /// Writes `name.dat` and `name.gp` and runs gnuplot on the script, into a partial file renamed when done.
    private static func draw(script: String, data: String, into folder: URL, name: String) throws -> URL? {
        try Disk.write(data, to: folder.appendingPathComponent("\(name).dat"), kind: .chart)
        try Disk.write(script, to: folder.appendingPathComponent("\(name).gp"), kind: .chart)
        // gnuplot draws into a partial file that is renamed when complete: a reader's viewer,
        // reloading while the run goes, never sees half a chart.
        let partial = ".\(name).png.partial"
        guard
            runGnuplot(
                script: script.replacingOccurrences(of: "set output '\(name).png'", with: "set output '\(partial)'"),
                named: "\(name).gp", in: folder)
        else { return nil }
        guard
            rename(folder.appendingPathComponent(partial).path, folder.appendingPathComponent("\(name).png").path) == 0
        else {
            throw WorkbookError(
                "cannot rename the chart \(partial) in \(folder.path): \(String(cString: strerror(errno)))")
        }
        return folder.appendingPathComponent("\(name).png")
    }

    private func quoted(_ s: String) -> String { s.replacingOccurrences(of: "\"", with: "'") }

    /// Runs gnuplot on `script` (given on its standard input; `name` is the script's file, for
    /// messages). Returns whether it drew.
    private static func runGnuplot(script: String, named name: String, in folder: URL) -> Bool {
        guard let gnuplot = findExecutable("gnuplot") else {
            warnOnce(
                "gnuplot is not installed, so no chart PNGs were drawn; the .dat and .gp files are in \(folder.path). "
                    + "Install it (Debian/Ubuntu: apt-get install gnuplot-nox; macOS: brew install gnuplot) "
                    + "and run `gnuplot \(name)` in that folder to draw them.")
            return false
        }
        let process = Process()
        process.executableURL = gnuplot
        process.arguments = ["-"]
        process.currentDirectoryURL = folder
        let errors = Pipe(), input = Pipe()
        process.standardError = errors
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        // A termination handler set before the start cannot miss the exit (waitUntilExit can, on Linux).
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do { try process.run() } catch {
            warnOnce(
                "could not start gnuplot (\(error.localizedDescription)); the .dat and .gp files are in \(folder.path)")
            return false
        }
        input.fileHandleForWriting.write(Data(script.utf8))
        try? input.fileHandleForWriting.close()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        exited.wait()
        guard process.terminationStatus == 0 else {
            warnOnce("gnuplot failed on \(name): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            return false
        }
        return true
    }

    private static func warnOnce(_ message: String) {
        guard !Self.warnedAboutGnuplot else { return }
        Self.warnedAboutGnuplot = true
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}

/// The first executable called `name` on the PATH.
func findExecutable(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}

/// A noisy per-step signal (a loss) averaged over every `every` steps, so its chart is readable.
/// Each point is plotted at the fraction of epochs done (`x`). A window left unfinished at the end
/// of an epoch is dropped by `endEpoch`, so every point averages exactly `every` steps. Codable:
/// a checkpoint keeps it whole, unfinished window included.
public struct SmoothedCurve: Codable {
    public let every: Int
    private var xs: [Double] = [], ys: [Double] = []
    private var sum = 0.0, count = 0

    public init(every: Int) { self.every = max(1, every) }

    public var points: [(x: Double, y: Double)] { Array(zip(xs, ys)).map { (x: $0.0, y: $0.1) } }

    public mutating func add(_ value: Double, at x: Double) {
        sum += value
        count += 1
        if count == every {
            xs.append(x)
            ys.append(sum / Double(every))
            sum = 0
            count = 0
        }
    }

    public mutating func endEpoch() { sum = 0; count = 0 }
}
