import Backprop
import Foundation
import Models

/// A VAE's loss (Models/Steps/VAELoss.swift) as the loop keeps it: named, in order.
extension VAELoss: StepNumbers {
    public init(values: [Double]) { self.init(reconstruction: values[0], divergence: values[1], loss: values[2]) }
    public static let names = ["reconstruction", "KL", "loss"]
    public var values: [Double] { [reconstruction, divergence, loss] }
    public var status: String {
        "loss \(fixed(loss, 2)) = reconstruction \(fixed(reconstruction, 2)) + KL \(fixed(divergence, 2))"
    }
}

/// What one VAE epoch looked like: the training loss (means over the epoch's steps), the test
/// loss, and the digit score of the samples.
public struct VAEEpoch: Codable, Equatable, Sendable, ScoredEpoch {
    public var epoch: Int
    public var training: VAELoss
    public var test: VAELoss
    public var score: DigitScore?
    public var seconds: Double
}

public extension VAEEpoch {
    /// The final numbers a VAE run writes to metrics.json (and compares with its reference run).
    var metrics: [String: Double] {
        [
            "test loss": test.loss, "test reconstruction": test.reconstruction, "test KL": test.divergence,
            "training loss": training.loss,
        ]
        .merging(scoreMetrics) { mine, _ in mine }
    }
}

/// Chapter 5's training loop.
public typealias VAETraining = TrainingLoop<VAELoss, VAEEpoch>

public extension TrainingLoop where Numbers == VAELoss, Record == VAEEpoch {
    /// The model's parts and their optimiser ("adam") are saved by name; the curves sample every epoch 50 times.
    convenience init(
        run: Run, rng: RandomGenerator, configuration: [String: String], parts: [(String, Layer)], optimizer: Optimizer,
        examples: Int, batchSize: Int, epochs: Int
    ) {
        self.init(
            run: run, rng: rng, configuration: configuration, models: parts, optimizers: [("adam", optimizer)],
            examples: examples, batchSize: batchSize, epochs: epochs, curvePointsPerEpoch: 50)
    }

    /// Ends the epoch with its test loss and score (history, progress line, checkpoint).
    func endEpoch(test: VAELoss, score: DigitScore?) throws {
        try endEpoch(
            VAEEpoch(epoch: epoch, training: epochMeans, test: test, score: score, seconds: epochSeconds),
            status: "test " + test.status)
        if let score { print("  digit score: \(score.summary)") }
    }

    /// Seconds spent training, over all finished epochs (resumed ones included).
    var trainingSeconds: Double { history.reduce(0) { $0 + $1.seconds } }

    /// The two parts of the loss and their sum: training (averaged over every few steps) and test (per epoch).
    func lossChart(beta: Float) -> Chart {
        let sum = beta == 1 ? "loss (reconstruction + KL)" : "loss (reconstruction + \(beta) KL)"
        func test(_ part: KeyPath<VAELoss, Double>) -> [(x: Double, y: Double)] {
            history.map { (x: Double($0.epoch), y: $0.test[keyPath: part]) }
        }
        var chart = Chart(
            title: "VAE on MNIST: the loss and its two parts (nats per image)", xLabel: "epoch",
            yLabel: "nats per image",
            series: [
                .init("training \(sum)", curves[2].points), .init("training reconstruction", curves[0].points),
                .init("training KL", curves[1].points),
                .init("test \(sum)", test(\.loss), style: "linespoints"),
                .init("test reconstruction", test(\.reconstruction), style: "linespoints"),
                .init("test KL", test(\.divergence), style: "linespoints"),
            ])
        // The first steps' loss is several times the rest: the scale follows the first test loss, so the later epochs show.
        if let first = history.first { chart.settings = ["set yrange [0:\(Int(first.test.loss * 1.5))]"] }
        return chart
    }
}
