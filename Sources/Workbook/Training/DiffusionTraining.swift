import Backprop
import Foundation
import Models

/// What one epoch of chapter 8's diffusion model looked like: the mean squared error of its noise
/// predictions over the epoch's steps, and the digit score of samples drawn with the averaged weights.
public struct DiffusionEpoch: Codable, Equatable, Sendable, ScoredEpoch {
    public var epoch: Int
    public var loss: Double
    public var score: DigitScore?
    /// Seconds of training steps; drawing and scoring the samples are not counted.
    public var seconds: Double
    /// Seconds spent drawing the epoch's samples (the grid and the scored 2,000).
    public var samplingSeconds: Double
}

public extension DiffusionEpoch {
    /// The final numbers a diffusion run writes to metrics.json (and compares with its reference run).
    var metrics: [String: Double] { ["training loss": loss].merging(scoreMetrics) { mine, _ in mine } }
}

/// Chapter 8's training loop.
public typealias DiffusionTraining = TrainingLoop<TrainingLoss, DiffusionEpoch>

public extension TrainingLoop where Numbers == TrainingLoss, Record == DiffusionEpoch {
    /// The network ("unet"), its moving average (kept by the sampler: "average") and the optimiser ("adam") are
    /// saved in checkpoints; the curve samples every epoch 50 times.
    convenience init(run: Run, rng: RandomGenerator, configuration: [String: String], step: DiffusionStep,
                     sampler: DiffusionSampler, examples: Int, batchSize: Int, epochs: Int) {
        self.init(run: run, rng: rng, configuration: configuration,
                  models: [("unet", step.network), ("average", sampler)], optimizers: [("adam", step.optimizer)],
                  examples: examples, batchSize: batchSize, epochs: epochs, curvePointsPerEpoch: 50)
    }

    /// Ends the epoch with its score and the time its samples took (history, progress line, checkpoint).
    func endEpoch(score: DigitScore?, samplingSeconds: Double) throws {
        try endEpoch(DiffusionEpoch(epoch: epoch, loss: epochMeans.loss, score: score, seconds: epochSeconds,
                                    samplingSeconds: samplingSeconds),
                     status: "sampling \(fixed(samplingSeconds, 1)) s")
        if let score { print("  digit score: \(score.summary)") }
    }

    /// Seconds spent training, over all finished epochs (resumed ones included).
    var trainingSeconds: Double { history.reduce(0) { $0 + $1.seconds } }
    var secondsPerStep: Double { trainingSeconds / Double(max(1, history.count * stepsPerEpoch)) }

    /// The training loss: the mean squared error of the predicted noise (1 for a network that predicts 0).
    var lossChart: Chart {
        let chart = Chart(title: "The noise predictor's loss: mean squared error of ε̂ (predicting 0 scores 1)",
                          xLabel: "epoch", yLabel: "mean squared error",
                          series: [.init("training loss", curves[0].points),
                                   .init("epoch mean", history.map { (x: Double($0.epoch), y: $0.loss) },
                                         style: "linespoints")], logScaleY: true)
        return chart
    }
}
