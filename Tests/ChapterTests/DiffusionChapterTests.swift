import Foundation
import Testing
@testable import Backprop
@testable import Workbook

@Suite("Chapter 8 end to end", .serialized)
struct DiffusionChapterTests {
    // 256 digits in batches of 64, a narrow U-Net, a short schedule and few DDIM steps: seconds, not minutes.
    let common = ["--limit", "256", "--batch-size", "64", "--threads", "2", "--width", "8", "--steps", "100",
                  "--sampling-steps", "5", "--no-score"]

    @Test func resumingGivesTheUninterruptedRunBitForBit() throws {
        let straight = Chapters.folder("diffusion-straight"), resumed = Chapters.folder("diffusion-resumed")
        defer { for f in [straight, resumed] { try? FileManager.default.removeItem(at: f) } }
        let flags = common + ["--conditional", "--guidance", "1"]   // the label's dropout draws from the run's generator too
        let a = try Chapters.run("chapter08-diffusion", flags + ["--epochs", "3", "--output-dir", straight.path])
        #expect(a.status == 0, "\(a.errors)")
        let b1 = try Chapters.run("chapter08-diffusion", flags + ["--epochs", "1", "--output-dir", resumed.path])
        #expect(b1.status == 0, "\(b1.errors)")
        let b2 = try Chapters.run("chapter08-diffusion", flags + ["--epochs", "3", "--resume", "--output-dir", resumed.path])
        #expect(b2.status == 0 && b2.output.contains("Resuming after epoch 1"), "\(b2.output)\(b2.errors)")
        for file in ["epoch-002.png", "epoch-003.png", "samples.png", "denoising.png", "loss.dat"] {
            let one = try Data(contentsOf: straight.appendingPathComponent(file))
            let two = try Data(contentsOf: resumed.appendingPathComponent(file))
            #expect(one == two, "\(file) differs after a resume")
        }
        let x = try Checkpoint(contentsOf: straight.appendingPathComponent("checkpoint.bin"))
        let y = try Checkpoint(contentsOf: resumed.appendingPathComponent("checkpoint.bin"))
        #expect(x.tensors.count == y.tensors.count && x.tensors.contains { $0.name.hasPrefix("average.buffer.") })
        for (p, q) in zip(x.tensors, y.tensors) {
            #expect(p.name == q.name && p.tensor.values.map(\.bitPattern) == q.tensor.values.map(\.bitPattern), "\(p.name) differs")
        }
        // The conditional grid: a row per digit, eight columns, drawn twice their size.
        let samples = try PNG.read(straight.appendingPathComponent("samples.png"))
        #expect(samples.width == 2 * (8 * (32 + 2) + 2) && samples.height == 2 * (10 * (32 + 2) + 2))
        // The text shows the default run's outputs from its reference; this run keeps its own in outputs.json.
        let outputs = try #require(RunOutputs(folder: straight)).outputs.map { $0.name + ": " + $0.markdown }.joined()
        for fragment in ["forward.png", "schedule.png", "denoising.png", "Columns: t = 100, ", "four-ways.png",
                         "| chapter 6's DCGAN (digits) | 9.48 |", "this diffusion model (DDIM, 5 steps, guidance 1.0)"] {
            #expect(outputs.contains(fragment), "the outputs lack «\(fragment)»")
        }
        #expect(try RunMetrics(contentsOf: straight).chapter == "chapter08-diffusion-conditional")

        // --generate draws from the averaged weights the checkpoint keeps.
        let drawn = try Chapters.run("chapter08-diffusion", flags + ["--generate", "20", "--output-dir", straight.path])
        #expect(drawn.status == 0 && drawn.output.contains("Drew 20 samples"), "\(drawn.errors)")
        let idx = try Data(contentsOf: straight.appendingPathComponent("generated-idx3-ubyte"))
        #expect(idx.count == 16 + 20 * 28 * 28, "20 digits at 28 x 28 in MNIST's format")
        let mismatch = try Chapters.run("chapter08-diffusion", common + ["--generate", "5", "--output-dir", straight.path])
        #expect(mismatch.status != 0 && mismatch.errors.contains("conditional"), "\(mismatch.errors)")
    }

    @Test func badFlagsAreRefusedClearly() throws {
        let output = Chapters.folder("diffusion-errors")
        for (flags, fragment) in [(["--width", "12"], "--width must be a multiple of 8"),
                                  (["--steps", "5"], "--steps must be between 10 and 4000 (got 5)"),
                                  (["--sampling-steps", "2000"], "--sampling-steps must be between 1 and --steps"),
                                  (["--guidance", "3"], "--guidance needs --conditional"),
                                  (["--conditional", "--guidance", "-1"], "--guidance must be between 0 and 20"),
                                  (["--score-every", "0"], "--score-every must be at least 1"),
                                  (["--sampler", "euler"], "euler")] {
            let result = try Chapters.run("chapter08-diffusion", flags + ["--output-dir", output.path])
            #expect(result.status != 0 && result.errors.contains(fragment), "\(flags): \(result.errors)")
        }
    }
}
