import Foundation
import Testing
@testable import Workbook

@Suite("Comparing runs")
struct CompareTests {
    func makeRun(seed: String = "1", epochs: String = "10", pixel: UInt8 = 0, loss: Double = 0.05, secondsPerStep: Double? = nil) throws -> URL {
        let folder = temporaryFolder()
        var pixels = [UInt8](repeating: 100, count: 16 * 16)
        pixels[5] = pixel
        try PNG.write(Image(width: 16, height: 16, channels: 1, pixels: pixels), to: folder.appendingPathComponent("grid.png"))
        try RunMetrics(chapter: "chapter01-autoencoder", command: "swift run chapter01-autoencoder",
                       configuration: ["seed": seed, "epochs": epochs],
                       metrics: ["test MSE": loss].merging(secondsPerStep.map { ["seconds per step": $0] } ?? [:]) { $1 },
                       pictures: ["grid.png"], threads: 2)
            .write(to: folder)
        return folder
    }

    @Test func sameSettingsAndPicturesMatch() throws {
        let result = try Comparison.compare(run: try makeRun(), reference: try makeRun())
        #expect(result.matches && result.verdict.hasPrefix("matches the reference"))
        #expect(result.details.contains("grid.png: identical, byte for byte"))
    }

    @Test func anotherSeedOrFewerEpochsAreNamedAsTheLikelyReason() throws {
        let seed = try Comparison.compare(run: try makeRun(seed: "2", pixel: 255, loss: 0.06), reference: try makeRun())
        #expect(!seed.matches && seed.verdict.contains("another seed (2, reference 1)"))
        #expect(seed.details.contains { $0.hasPrefix("grid.png: differs, PSNR") })
        #expect(seed.details.contains { $0.hasPrefix("test MSE: 0.06 here, 0.05 in the reference (+20.0%)") })
        let short = try Comparison.compare(run: try makeRun(epochs: "3"), reference: try makeRun())
        #expect(short.verdict.contains("fewer epochs (3, reference 10)"))
    }

    @Test func sameSettingsButOtherPicturesPointAtTheMachine() throws {
        let result = try Comparison.compare(run: try makeRun(pixel: 1), reference: try makeRun())
        #expect(!result.matches && result.verdict.contains("although the settings and seed are the same"))
    }

    @Test func aSlowerMachineStillMatchesButOtherNumbersDoNot() throws {
        let slower = try Comparison.compare(run: try makeRun(secondsPerStep: 0.09), reference: try makeRun(secondsPerStep: 0.06))
        #expect(slower.matches && slower.verdict.hasSuffix("(timings aside)."))
        #expect(slower.details.contains("seconds per step: 0.09 here, 0.06 in the reference (+50.0%) (a timing: not compared)"))
        let otherLoss = try Comparison.compare(run: try makeRun(loss: 0.06, secondsPerStep: 0.06), reference: try makeRun(secondsPerStep: 0.06))
        #expect(!otherLoss.matches && otherLoss.verdict.contains("although the settings and seed are the same"))
    }

    @Test func missingOrForeignRunsAreClearErrors() throws {
        expectError(containing: ["metrics.json is missing"]) { _ = try Comparison.compare(run: temporaryFolder(), reference: try makeRun()) }
        let other = try makeRun()
        try RunMetrics(chapter: "chapter03-gan", command: "", configuration: [:], metrics: [:], pictures: [], threads: 1).write(to: other)
        expectError(containing: ["is a run of chapter03-gan"]) { _ = try Comparison.compare(run: other, reference: try makeRun()) }
    }
}
