// Compares a chapter's run with its reference run (output/reference/<chapter>/): settings,
// pictures byte for byte (or their PSNR), and final numbers, with a plain verdict.
//
//     swift run compare output/chapter01-autoencoder
//     swift run compare /tmp/my-run --reference output/reference/chapter03-gan

import ArgumentParser
import Foundation
import Workbook

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Compare a chapter's run with its reference run.")

    @Argument(
        help: ArgumentHelp("The output folder of a finished run (it holds metrics.json).", valueName: "run folder"))
    var runFolder: String
    @Option(
        help: ArgumentHelp("The reference run (default: output/reference/<the run's chapter>).", valueName: "folder"))
    var reference: String?

    func run() throws {
        let folder = URL(fileURLWithPath: runFolder)
        let comparison: Comparison = exitOnError {
            let metrics = try RunMetrics(contentsOf: folder)
            let referenceFolder = URL(fileURLWithPath: reference ?? "output/reference/\(metrics.chapter)")
            return try Comparison.compare(run: folder, reference: referenceFolder)
        }
        print("This run \(comparison.verdict)")
        for line in comparison.details { print("  \(line)") }
    }
}

Compare.main()
