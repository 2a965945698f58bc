import Foundation
import Testing
@testable import Backprop
@testable import Workbook

@Suite("Chapter 7 end to end", .serialized)
struct WassersteinChapterTests {
    // 192 digits in batches of 64: 3 critic steps an epoch, and G's step after every fifth, so G's
    // turns fall at other places in each epoch, and a resume must find them from the saved count.
    let common = ["--limit", "192", "--batch-size", "64", "--threads", "2", "--conditional"]

    @Test func resumingGivesTheUninterruptedRunBitForBit() throws {
        let straight = Chapters.folder("wgan-straight"), resumed = Chapters.folder("wgan-resumed")
        defer { for f in [straight, resumed] { try? FileManager.default.removeItem(at: f) } }
        let a = try Chapters.run("chapter07-wasserstein-gan", common + ["--epochs", "3", "--output-dir", straight.path])
        #expect(a.status == 0, "\(a.errors)")
        let b1 = try Chapters.run("chapter07-wasserstein-gan", common + ["--epochs", "1", "--output-dir", resumed.path])
        #expect(b1.status == 0, "\(b1.errors)")
        let b2 = try Chapters.run("chapter07-wasserstein-gan", common + ["--epochs", "3", "--resume", "--output-dir", resumed.path])
        #expect(b2.status == 0 && b2.output.contains("Resuming after epoch 1"), "\(b2.output)\(b2.errors)")
        for file in ["epoch-002.png", "epoch-003.png", "samples.png", "interpolation.png", "loss.dat", "distance.dat",
                     "critic-weights.dat"] {
            let one = try Data(contentsOf: straight.appendingPathComponent(file))
            let two = try Data(contentsOf: resumed.appendingPathComponent(file))
            #expect(one == two, "\(file) differs after a resume")
        }
        let x = try Checkpoint(contentsOf: straight.appendingPathComponent("checkpoint.bin"))
        let y = try Checkpoint(contentsOf: resumed.appendingPathComponent("checkpoint.bin"))
        for (p, q) in zip(x.tensors, y.tensors) {
            #expect(p.name == q.name && p.tensor.values.map(\.bitPattern) == q.tensor.values.map(\.bitPattern), "\(p.name) differs")
        }
        // The conditional grid: a row per digit, ten columns, drawn twice their size.
        let samples = try PNG.read(straight.appendingPathComponent("samples.png"))
        #expect(samples.width == 2 * (10 * (28 + 2) + 2) && samples.height == samples.width)
        // The report: the critic's columns, the estimate beside the Fréchet distance, the digit asked for.
        let report = try String(contentsOf: straight.appendingPathComponent("report.md"), encoding: .utf8)
        for fragment in ["| critic loss |", "W estimate", "distance.png", "‖∇D(x̂)‖",
                         "Did G draw the digit it was asked for?", "| epoch | 0 | 1 | 2 |"] {
            #expect(report.contains(fragment), "the report lacks «\(fragment)»")
        }
        let metrics = try RunMetrics(contentsOf: straight)
        #expect(metrics.chapter == "chapter07-wasserstein-gan-conditional" && metrics.metrics["W estimate"] != nil)
        #expect((0...1).contains(metrics.metrics["asked-for digit read"] ?? -1))
    }

    @Test func theThreeWaysToALipschitzCriticReportWhatTheyDo() throws {
        for (flags, run, fragment) in [(["--clip", "0.01"], "clipping", "weights at ±c"),
                                        (["--spectral-norm"], "spectral-norm", "the largest singular value it is divided by")] {
            let folder = Chapters.folder("wgan-\(run)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let result = try Chapters.run("chapter07-wasserstein-gan", ["--limit", "128", "--epochs", "1", "--no-score",
                                                                        "--output-dir", folder.path] + flags)
            #expect(result.status == 0, "\(flags): \(result.errors)")
            let report = try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8)
            #expect(report.contains(fragment), "\(flags): the report lacks «\(fragment)»")
            #expect(try RunMetrics(contentsOf: folder).chapter == "chapter07-wasserstein-gan-\(run)")
        }
    }

    @Test func badFlagsAreRefusedClearly() throws {
        let output = Chapters.folder("wgan-errors")
        for (flags, fragment) in [(["--spectral-norm", "--clip", "0.01"], "--spectral-norm and --clip are two ways"),
                                  (["--penalty", "0"], "--penalty must be above 0"),
                                  (["--clip", "2"], "--clip must be above 0 and at most 1"),
                                  (["--critic-steps", "11"], "--critic-steps must be between 1 and 10 (got 11)")] {
            let result = try Chapters.run("chapter07-wasserstein-gan", flags + ["--output-dir", output.path])
            #expect(result.status != 0 && result.errors.contains(fragment), "\(flags): \(result.errors)")
        }
    }

    @Test func appendixCsGameTakesTheCritic() throws {
        let folder = Chapters.folder("dynamics-wgan")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Chapters.run("gan-dynamics", ["--loss", "wasserstein-gp", "--d-steps", "2", "--steps", "200",
                                                       "--every", "100", "--output-dir", folder.path])
        #expect(result.status == 0, "\(result.errors)")
        let metrics = try RunMetrics(contentsOf: folder)
        #expect(metrics.chapter == "gan-dynamics-ring-wasserstein-gp" && metrics.configuration["loss"] == "wasserstein-gp")
        for (flags, fragment) in [(["--loss", "wasserstein-gp", "--instance-noise", "0.1"], "--instance-noise and --d-lr go with"),
                                  (["--loss", "wasserstein-gp", "--minibatch-deviation"], "cannot be differentiated twice")] {
            let refused = try Chapters.run("gan-dynamics", flags + ["--output-dir", folder.path])
            #expect(refused.status != 0 && refused.errors.contains(fragment), "\(flags): \(refused.errors)")
        }
    }
}
