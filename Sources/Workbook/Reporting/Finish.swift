import Foundation

public extension Run {
    /// The reference run of this chapter: `output/reference/<chapter>/` under the current folder.
    var referenceFolder: URL { URL(fileURLWithPath: "output/reference/\(chapter)") }

    /// Ends a run: writes `metrics.json`, compares the run with the chapter's reference (when
    /// there is one, and this run is not it) in a report section and one printed line, then
    /// writes the report.
    /// `data` is a fingerprint of the data the run used (`MNIST.fingerprint`, `ImageFolder.fingerprint`).
    func finish(_ report: Report, configuration: [String: String], metrics: [String: Double], pictures: [String], data: String) throws {
        let record = RunMetrics(chapter: chapter, command: command, configuration: configuration.merging(["seed": "\(seed)"]) { a, _ in a },
                                metrics: metrics, pictures: pictures, data: data, threads: threads)
        try record.write(to: outputFolder)
        let reference = referenceFolder
        if outputFolder.standardizedFileURL.resolvingSymlinksInPath() != reference.standardizedFileURL.resolvingSymlinksInPath(),
           FileManager.default.fileExists(atPath: reference.appendingPathComponent(RunMetrics.fileName).path) {
            do {
                let comparison = try Comparison.compare(run: outputFolder, reference: reference)
                report.heading("Compared with the reference run")
                report.paragraph("This run \(comparison.verdict) (reference: `\(shown(reference))`; `swift run compare \(shown(outputFolder))` repeats this.)")
                report.bullets(comparison.details)
                print("Compared with the reference run: \(comparison.verdict)")
            } catch {
                print("warning: could not compare with the reference run: \(error)")
            }
        }
        try report.write(to: output("report.md"))
    }
}
