import Exercises
import Foundation
import Testing
import Workbook

/// `--mine`: chapters 1 and 3 trained with the learner's answers (Sources/Exercises; here the
/// teacher's edition, so the solutions). Answers that give the library's numbers bit for bit give
/// the library's run bit for bit; an answer that differs in rounding (linear-backward's loops
/// sum in another order than the matmul kernel) gives another run, and the report says which.
@Suite("Training with your answers", .serialized,
       .enabled(if: (try? solutionsIncluded()) == true, "the student edition: no answers are written yet"))
struct YourAnswersTests {
    func weights(_ folder: URL) throws -> [[UInt32]] {
        try Checkpoint(contentsOf: folder.appendingPathComponent("checkpoint.bin")).tensors.map {
            $0.tensor.values.map(\.bitPattern)
        }
    }

    @Test func chapter3WithExactAnswersIsTheLibrarysRunBitForBit() throws {
        let common = ["--limit", "256", "--batch-size", "64", "--epochs", "2", "--threads", "2"]
        let library = Chapters.folder("mine-library-3"), yours = Chapters.folder("mine-yours-3")
        let exact = "leaky-relu-backward,tanh-backward,bce-logits,discriminator-step,generator-step,adam-update"
        let a = try Chapters.run("chapter03-gan", common + ["--output-dir", library.path])
        let b = try Chapters.run("chapter03-gan", common + ["--output-dir", yours.path, "--mine-only", exact])
        #expect(a.status == 0 && b.status == 0, "\(a.errors)\(b.errors)")
        for id in exact.split(separator: ",") {
            #expect(b.output.contains("yours: \(id) (the library's numbers, bit for bit)"), "\(b.output)")
        }
        #expect(try weights(library) == weights(yours))
        for picture in ["samples.png", "epoch-002.png"] {
            #expect(try Data(contentsOf: library.appendingPathComponent(picture))
                == Data(contentsOf: yours.appendingPathComponent(picture)), "\(picture) differs")
        }
        let report = try String(contentsOf: yours.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("### Your answers in this run") && report.contains("| `generator-step` | yours | bit for bit |"))
        let plain = try String(contentsOf: library.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(!plain.contains("### Your answers in this run"))
    }

    @Test func chapter1WithEveryAnswerTrainsAndSaysWhichAreExact() throws {
        let common = ["--limit", "256", "--epochs", "1"]
        let library = Chapters.folder("mine-library-1"), all = Chapters.folder("mine-all-1"),
            exact = Chapters.folder("mine-exact-1")
        let a = try Chapters.run("chapter01-autoencoder", common + ["--output-dir", library.path])
        let b = try Chapters.run("chapter01-autoencoder", common + ["--output-dir", all.path, "--mine"])
        let c = try Chapters.run("chapter01-autoencoder", common + ["--output-dir", exact.path,
                                                                    "--mine-only", "sigmoid-backward,adam-update"])
        #expect(a.status == 0 && b.status == 0 && c.status == 0, "\(a.errors)\(b.errors)\(c.errors)")
        #expect(b.output.contains("yours: linear-backward (equal to the library's up to rounding"), "\(b.output)")
        #expect(try weights(library) != weights(all))    // the learner's loops are really used
        #expect(try weights(library) == weights(exact))
        let report = try String(contentsOf: all.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("| `linear-backward` | yours | up to rounding |"))
    }

    @Test func chapter5WithExactAnswersIsTheLibrarysRunBitForBit() throws {
        let common = ["--limit", "256", "--batch-size", "64", "--epochs", "1", "--no-score"]
        let library = Chapters.folder("mine-library-5"), yours = Chapters.folder("mine-yours-5")
        let a = try Chapters.run("chapter05-variational-autoencoder", common + ["--output-dir", library.path])
        let b = try Chapters.run("chapter05-variational-autoencoder", common + ["--output-dir", yours.path, "--mine"])
        #expect(a.status == 0 && b.status == 0, "\(a.errors)\(b.errors)")
        for id in ["reparameterize-backward", "kl-gradient", "adam-update"] {
            #expect(b.output.contains("yours: \(id) (the library's numbers, bit for bit)"), "\(b.output)")
        }
        #expect(try weights(library) == weights(yours))
    }

    @Test func anAnswerTheChapterCannotUseIsRefused() throws {
        let result = try Chapters.run("chapter01-autoencoder", ["--mine-only", "generator-step",
                                                                "--output-dir", Chapters.folder("mine-refused").path])
        #expect(result.status != 0)
        #expect(result.errors.contains("cannot use your answer to \"generator-step\"") && result.errors.contains("linear-backward"),
                "\(result.errors)")
    }
}
