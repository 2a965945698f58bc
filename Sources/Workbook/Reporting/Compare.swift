import Foundation

/// What a run produced, in numbers: `metrics.json` beside the report. The reference runs' files
/// are committed in `output/reference/<chapter>/`, so any run can be compared with them.
public struct RunMetrics: Codable, Equatable {
    public var chapter: String
    public var command: String
    /// Everything that decides the results: the chapter's settings, the seed, the limit. Not the
    /// thread count or the folders, which change nothing (a test checks it for the threads).
    public var configuration: [String: String]
    /// The final numbers: losses, test error, scores.
    public var metrics: [String: Double]
    /// The pictures compared image by image.
    public var pictures: [String]
    /// A fingerprint of the data the run trained and was tested on (absent in older runs).
    public var data: String?
    public var threads: Int
    public var date: String

    public static let fileName = "metrics.json"

    /// Numbers that measure the machine, not the results: shown beside the reference's, never a
    /// reason for a run to differ from it (another machine, or a busy one, gives other timings).
    public static let timings: Set<String> = ["seconds per step", trainingSeconds]

    /// The run's training time in seconds, among the metrics (a program reads another run's from
    /// there, never from its report's prose).
    public static let trainingSeconds = "training seconds"

    public func write(to folder: URL) throws {
        try Disk.write(
            try JSONFormat.encoder(pretty: true, escapingSlashes: true).encode(self),
            to: folder.appendingPathComponent(Self.fileName), kind: .report)
    }

    public init(contentsOf folder: URL) throws {
        let file = folder.appendingPathComponent(Self.fileName)
        guard let data = try? Data(contentsOf: file) else {
            throw WorkbookError("\(file.path) is missing: is \(folder.path) the output folder of a finished run?")
        }
        do { self = try JSONFormat.decoder().decode(RunMetrics.self, from: data) } catch {
            throw WorkbookError("\(file.path) is not a readable metrics file (\(error.localizedDescription))")
        }
    }

    public init(chapter: String, command: String, configuration: [String: String], metrics: [String: Double],
                pictures: [String], data: String? = nil, threads: Int, date: Date = Date()) {
        self.chapter = chapter
        self.command = command
        self.configuration = configuration
        self.metrics = metrics
        self.pictures = pictures
        self.data = data
        self.threads = threads
        self.date = ISO8601DateFormatter().string(from: date)
    }
}

/// A run compared with a reference run: a plain verdict, then the details.
public struct Comparison {
    public var matches: Bool
    public var verdict: String
    public var details: [String]

    /// Compares the finished run in `runFolder` with the one in `referenceFolder`: settings,
    /// pictures (byte for byte, else PSNR) and final numbers.
    public static func compare(run runFolder: URL, reference referenceFolder: URL) throws -> Comparison {
        let run = try RunMetrics(contentsOf: runFolder), reference = try RunMetrics(contentsOf: referenceFolder)
        guard run.chapter == reference.chapter else {
            throw WorkbookError(
                "\(runFolder.path) is a run of \(run.chapter), the reference \(referenceFolder.path) one of "
                    + "\(reference.chapter)"
            )
        }
        var details: [String] = []

        // Settings.
        let keys = Set(run.configuration.keys).union(reference.configuration.keys).sorted()
        let differences = keys.filter { run.configuration[$0] != reference.configuration[$0] }
        for key in differences {
            details.append(
                "setting \(key): \(run.configuration[key] ?? "(not set)") here, "
                    + "\(reference.configuration[key] ?? "(not set)") in the reference"
            )
        }
        // Data: compared when both runs recorded a fingerprint of theirs (another --limit already
        // says the data differ, and why).
        var otherData: String?
        if let mine = run.data, let theirs = reference.data, mine != theirs, !differences.contains("limit") {
            otherData =
                "other data (fingerprint \(mine) here, \(theirs) in the reference): trained and tested on other images"
            details.append("data: fingerprint \(mine) here, \(theirs) in the reference")
        }

        // Pictures.
        var identical = 0, compared = 0
        for name in reference.pictures {
            let mine = runFolder.appendingPathComponent(name), theirs = referenceFolder.appendingPathComponent(name)
            guard let a = try? Data(contentsOf: mine) else { details.append("\(name): missing in this run"); continue }
            guard let b = try? Data(contentsOf: theirs) else {
                details.append("\(name): missing in the reference"); continue
            }
            compared += 1
            if a == b { identical += 1; details.append("\(name): identical, byte for byte"); continue }
            guard let x = try? PNG.decode(a), let y = try? PNG.decode(b) else {
                details.append("\(name): differs (not comparable as PNG)"); continue
            }
            if x.width != y.width || x.height != y.height || x.channels != y.channels {
                details.append(
                    "\(name): differs in size (\(x.width)x\(x.height) here, \(y.width)x\(y.height) in the reference)")
            } else {
                details.append(
                    "\(name): differs, PSNR \(fixed(psnr(x.pixels, y.pixels), 1)) dB (above 40 dB is invisible)")
            }
        }

        // Numbers.
        for key in Set(run.metrics.keys).intersection(reference.metrics.keys).sorted() {
            let here = run.metrics[key]!, there = reference.metrics[key]!
            let relative =
                there != 0 ? " (\(here >= there ? "+" : "")\(fixed(100 * (here - there) / abs(there), 1))%)" : ""
            let timing = RunMetrics.timings.contains(key) ? " (a timing: not compared)" : ""
            details.append(
                "\(key): \(significant(here)) here, \(significant(there)) in the "
                    + "reference\(same(here, there) ? ", the same" : relative)\(timing)"
            )
        }

        let allIdentical = compared == reference.pictures.count && identical == compared
        let numbersEqual = Set(run.metrics.keys).intersection(reference.metrics.keys).subtracting(RunMetrics.timings)
            .allSatisfy { same(run.metrics[$0]!, reference.metrics[$0]!) }
        if differences.isEmpty && otherData == nil && allIdentical && numbersEqual {
            return Comparison(
                matches: true,
                verdict:
                    "matches the reference: the same settings and seed gave byte-identical pictures and the same "
                        + "numbers"
                    + (run.metrics.keys.contains { RunMetrics.timings.contains($0) } ? " (timings aside)." : "."),
                details: details)
        }
        var verdict: String
        if differences.isEmpty && otherData == nil {
            verdict =
                "differs from the reference although the settings and seed are the same (\(identical) of "
                    + "\(reference.pictures.count) pictures identical). "
                + "Likely another machine (a CPU without FMA, another math library) or a changed program; see the "
                + "differences in the numbers below."
        } else {
            let reasons = differences.map { key -> String in
                let here = run.configuration[key] ?? "(not set)", there = reference.configuration[key] ?? "(not set)"
                switch key {
                case "seed":
                    return
                        "another seed (\(here), reference \(there)): a different random start, so other pictures; the "
                            + "numbers should be close"
                case "epochs":
                    let fewer = (Int(here) ?? 0) < (Int(there) ?? 0)
                    return
                        "\(fewer ? "fewer" : "more") epochs (\(here), reference \(there)): expect "
                            + "\(fewer ? "less" : "more") trained results"
                case "limit": return "another --limit (\(here), reference \(there)): trained on other data"
                default: return "other flags (\(key): \(here), reference \(there))"
                }
            }
            verdict =
                "differs from the reference, as expected: "
                + ([otherData].compactMap { $0 } + reasons).joined(separator: "; ") + "."
        }
        return Comparison(matches: false, verdict: verdict, details: details)
    }

    /// Two numbers are the same when they are equal, or both undefined.
    static func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

    static func significant(_ value: Double) -> String {
        !value.isFinite
            ? shown(value, 0)
            : abs(value) >= 100 ? fixed(value, 1) : abs(value) >= 1 ? fixed(value, 3) : String(format: "%.4g", value)
    }
}
