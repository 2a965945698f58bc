import Foundation

public extension Run {
    /// The reference run of this chapter: `output/reference/<chapter>/` under the current folder.
    var referenceFolder: URL { URL(fileURLWithPath: "output/reference/\(chapter)") }

    /// Writes `metrics.json`, then compares the run with the chapter's reference (when there is
    /// one, and this run is not it): the verdict, printed in one line, and its details; nil when
    /// there is nothing to compare with.
    /// `data` is a fingerprint of the data the run used (`MNIST.fingerprint`, `ImageFolder.fingerprint`).
    internal func record(
        configuration: [String: String], metrics: [String: Double], pictures: [String],
        data: String
    ) throws -> (verdict: String, details: [String])? {
        let record = RunMetrics(
            chapter: chapter, command: command, configuration: configuration.merging(["seed": "\(seed)"]) { a, _ in a },
            metrics: metrics, pictures: pictures, data: data, threads: threads)
        try record.write(to: outputFolder)
        let reference = referenceFolder
        guard
            outputFolder.standardizedFileURL.resolvingSymlinksInPath()
                != reference.standardizedFileURL.resolvingSymlinksInPath(),
            FileManager.default.fileExists(atPath: reference.appendingPathComponent(RunMetrics.fileName).path)
        else { return nil }
        do {
            let comparison = try Comparison.compare(run: outputFolder, reference: reference)
            print("Compared with the reference run: \(comparison.verdict)")
            return (
                "This run \(comparison.verdict) (reference: `\(shown(reference))`; `swift run compare "
                    + "\(shown(outputFolder))` repeats this.)",
                comparison.details
            )
        } catch {
            print("warning: could not compare with the reference run: \(error)")
            return nil
        }
    }
}

public extension Notebook {
    /// Ends a chapter's run: `metrics.json` (with the settings as recorded), the comparison with
    /// the chapter's reference run (the output "comparison"), and the finished page.
    /// The training time (from `timing`) goes into `metrics.json` too, as "training seconds".
    func finish(metrics: [String: Double], pictures: [String], data: String) throws {
        let metrics = metrics.merging(trainingSeconds.map { [RunMetrics.trainingSeconds: $0] } ?? [:]) { $1 }
        if let comparison = try run.record(
            configuration: settings.recorded, metrics: metrics, pictures: pictures, data: data)
        {
            add(
                "comparison", "Compared with the reference run",
                comparison.verdict + "\n\n" + comparison.details.map { "- \($0)" }.joined(separator: "\n"))
        }
        try write(.finished(elapsed: run.elapsed))
    }
}
