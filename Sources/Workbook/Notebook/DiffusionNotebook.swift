import Backprop
import Foundation
import Models

// Chapter 8's own outputs: the forward process, the schedules, a sample on its way from noise to
// a digit, and the four ways to generate a digit side by side.

public extension SamplePictures {
    /// `forward.png`: each row one of `digits` [R, S·S], noised in one jump to the steps `steps` (0: the digit
    /// itself), left to right, with the same ε along a row: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε.
    func forwardProcess(_ digits: Tensor, schedule: NoiseSchedule, steps: [Int], seed: UInt64) throws {
        let (rows, n) = (digits.rows, digits.columns)
        let noise = Tensor(shape: [rows, n]), noisy = Tensor(shape: [0]), tiles = Tensor(shape: [rows * steps.count, n])
        noise.fillNormal(using: RandomGenerator(seed: seed))
        for (column, t) in steps.enumerated() {
            if t == 0 { noisy.copy(from: digits) } else {
                schedule.noisy(digits, noise: noise, at: [Int](repeating: t, count: rows), into: noisy)
            }
            for row in 0..<rows {
                (tiles.data + (row * steps.count + column) * n).update(from: noisy.data + row * n, count: n)
            }
        }
        try PNG.write(grid(tiles, count: tiles.rows, perRow: steps.count), to: run.output("forward.png"))
    }

    /// `denoising.png`: each row one sample on its way from noise (left) to a digit (right), `columns` moments
    /// of its sampling run, evenly spread over the run's steps. Returns the step t each column shows (0: the end).
    @discardableResult
    func denoising(_ sampler: DiffusionSampler, from input: Tensor, columns: Int) throws -> [Int] {
        let n = sampler.network.side * sampler.network.side, start = Tensor(shape: [input.rows, n])
        for i in 0..<input.rows { (start.data + i * n).update(from: input.data + i * input.columns, count: n) }
        var frames = [start], steps = [sampler.schedule.steps]
        _ = sampler.sample(input) { t, x in frames.append(Tensor(copying: x)); steps.append(t) }
        // After the step from t, x is at the next step's level: each frame's t is the next step's (0 at the end).
        steps = [steps[0]] + steps.dropFirst(2) + [0]
        let chosen = (0..<columns).map { $0 * (frames.count - 1) / (columns - 1) }
        let tiles = Tensor(shape: [input.rows * columns, n])
        for row in 0..<input.rows {
            for (column, k) in chosen.enumerated() {
                (tiles.data + (row * columns + column) * n).update(from: frames[k].data + row * n, count: n)
            }
        }
        try PNG.write(grid(tiles, count: tiles.rows, perRow: columns), to: run.output("denoising.png"))
        return chosen.map { steps[$0] }
    }
}

public extension Notebook {
    /// The chart `schedule.png`: how much of the digit (√ᾱ_t) and how much noise (√(1 − ᾱ_t)) x_t holds, step
    /// by step, for both schedules.
    func noiseSchedules(steps: Int, chosen: NoiseSchedule.Kind) throws {
        var series: [Chart.Series] = []
        for kind in NoiseSchedule.Kind.allCases {
            let schedule = NoiseSchedule(kind, steps: steps), mark = kind == chosen ? " (this run)" : ""
            series.append(.init("√ᾱ_t, the digit: \(kind.rawValue)\(mark)",
                                schedule.alphaBars.enumerated().map { (x: Double($0 + 1), y: $1.squareRoot()) }))
            series.append(.init("√(1 − ᾱ_t), the noise: \(kind.rawValue)\(mark)",
                                schedule.alphaBars.enumerated().map { (x: Double($0 + 1), y: (1 - $1).squareRoot()) }))
        }
        let file = try Chart(title: "x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε: the digit's share and the noise's", xLabel: "step t",
                             yLabel: "weight", series: series, key: "center right").draw(into: run.outputFolder, name: "schedule")
        chart("schedule", "The noise schedules", file, caption: "the weights of the digit and of the noise in x_t")
    }
}

/// One of the four ways to generate a digit, as the table "four ways" shows it.
public struct DigitGenerator {
    public var name: String
    /// Its reference run's folder (nil: this run).
    public var folder: URL?
    /// The network that draws, and what it is given: `draw64` draws 64 samples once (timed).
    public var draw64: () -> Void

    public init(name: String, folder: URL?, draw64: @escaping () -> Void) {
        (self.name, self.folder, self.draw64) = (name, folder, draw64)
    }

    /// Chapters 3, 5 and 6 (digits): their reference runs, and their generators, built afresh to be timed (the
    /// time to draw does not depend on the weights).
    public static func earlierChapters(reference: URL) -> [DigitGenerator] {
        let rng = RandomGenerator(seed: 1)
        let gan = MLPGAN.digits.networks(rng: rng).generator
        let vae = VariationalAutoencoder(latentSize: 20, conditional: false, rng: rng)
        let dcgan = DCGAN.digits(width: 32).networks(rng: rng).generator
        func timed(_ network: Layer, _ size: Int) -> () -> Void {
            { let z = Tensor(shape: [64, size]); z.fillNormal(using: rng); _ = draw(network, z) }
        }
        return [
            DigitGenerator(name: "chapter 3's GAN (perceptrons)", folder: reference.appendingPathComponent("chapter03-gan"),
                           draw64: timed(gan, 100)),
            DigitGenerator(name: "chapter 5's VAE", folder: reference.appendingPathComponent("chapter05-variational-autoencoder"),
                           draw64: timed(vae.generator, 20)),
            DigitGenerator(name: "chapter 6's DCGAN (digits)", folder: reference.appendingPathComponent("chapter06-dcgan-mnist"),
                           draw64: timed(dcgan, 100)),
        ]
    }

    /// Seconds to draw 64 samples: the median of `rounds` timings, after one unmeasured draw.
    public func secondsFor64(rounds: Int = 3) -> Double {
        draw64()
        let times = (0..<rounds).map { _ in let start = Date(); draw64(); return Date().timeIntervalSince(start) }
        return times.sorted()[rounds / 2]
    }
}

public extension Notebook {
    /// The table "four ways" and the picture `four-ways.png`: the earlier chapters' reference runs and this one on
    /// one yardstick (appendix A's Fréchet distance and rarest digit), their training times, the time each takes to
    /// draw 64 digits on this machine, and the first row of each one's samples (this run's `samples` [8+, 32·32],
    /// cropped to 28 x 28 as the others are drawn), one row under another.
    func fourWays(_ others: [DigitGenerator], this: DigitGenerator, score: DigitScore?, trainingSeconds: Double,
                  samples: Tensor, pictures: SamplePictures) throws {
        var rows: [[String]] = [], strips: [Image] = []
        for generator in others + [this] {
            let metrics = generator.folder.flatMap { try? RunMetrics(contentsOf: $0) }
            if generator.folder != nil && metrics == nil {
                rows.append([generator.name, "(no reference run at `\(run.shown(generator.folder!))`)", "–", "–", "–"])
                continue
            }
            let distance = metrics?.metrics["Fréchet distance"] ?? score?.frechetDistance
            let rarest = metrics?.metrics["rarest digit share"] ?? score?.rarestShare
            let seconds = metrics?.metrics[RunMetrics.trainingSeconds] ?? trainingSeconds
            let epochs = metrics?.configuration["epochs"] ?? settings["epochs"] ?? "?"
            rows.append([generator.name, distance.map { fixed($0, 2) } ?? "–", rarest.map { "\(fixed(100 * $0, 1))%" } ?? "–",
                         "\(formatDuration(seconds)) (\(epochs) epochs)", "\(fixed(1000 * generator.secondsFor64(), 1)) ms"])
            if let folder = generator.folder {
                guard let grid = try? PNG.read(folder.appendingPathComponent("samples.png")) else { continue }
                let zoom = Int(metrics?.configuration["zoom"] ?? "") ?? 1
                strips.append(grid.cropped(top: 0, height: (grid.width - 2 * zoom) / 8 + 2 * zoom))   // 8 square tiles a row
            } else {
                let digits = cropImages(pickRows(Array(0..<8), of: samples), side: 32, margin: 2)
                strips.append(ImageLayout.gray(side: 28).grid(digits, count: 8, perRow: 8, zoom: pictures.zoom)
                    .cropped(top: 0, height: 30 * pictures.zoom + 2 * pictures.zoom))
            }
        }
        table("four ways", "Four ways to generate a digit, on one yardstick",
              ["", "Fréchet distance (lower is better)", "rarest digit's share (10% is even)", "training",
               "time to draw 64 (this machine)"], rows)
        let width = strips.map(\.width).max() ?? 0
        guard !strips.isEmpty else { return }
        try PNG.write(Image.stacked(strips.map { $0.padded(toWidth: width) }), to: run.output("four-ways.png"))
        picture("four ways row", "A row of samples from each", "four-ways.png",
                caption: "top to bottom: " + (others + [this]).map(\.name).joined(separator: ", "))
    }
}
