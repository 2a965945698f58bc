import Backprop
import Foundation
import Models

/// A GAN step's numbers (Models/Steps/GANStepNumbers.swift) as the loop keeps them: named, in order.
extension GANStepNumbers: StepNumbers {
    public init(values: [Double]) {
        self.init(discriminatorLoss: values[0], generatorLoss: values[1], realScore: values[2], fakeScore: values[3])
    }
    public static let names = ["D", "G", "D(x)", "D(G(z))"]
    public var values: [Double] { [discriminatorLoss, generatorLoss, realScore, fakeScore] }
    public var status: String {
        "D \(fixed(discriminatorLoss, 3)) G \(fixed(generatorLoss, 3)) D(x) \(fixed(realScore, 2)) D(G(z)) "
            + "\(fixed(fakeScore, 2))"
    }
}

/// What one GAN epoch looked like, in numbers: the step numbers' means, how varied G's samples
/// were, and (for digits) what a classifier made of them.
public struct GANEpoch: Codable, Equatable, Sendable {
    public var epoch: Int
    public var discriminatorLoss: Double   // means over the epoch's steps
    public var generatorLoss: Double
    public var realScore: Double
    public var fakeScore: Double
    /// Mean distance between the fixed-z samples, relative to that between real images (about
    /// 1 for a healthy generator, near 0 when every z gives the same image).
    public var diversity: Double
    /// The digit score of the epoch's samples (appendix A), when the chapter scores them.
    public var score: DigitScore?
    public var seconds: Double

    public init(epoch: Int, _ means: GANStepNumbers, diversity: Double, score: DigitScore? = nil, seconds: Double) {
        self.epoch = epoch
        discriminatorLoss = means.discriminatorLoss
        generatorLoss = means.generatorLoss
        realScore = means.realScore
        fakeScore = means.fakeScore
        self.diversity = diversity
        self.score = score
        self.seconds = seconds
    }
}

public extension GANEpoch {
    /// The final numbers a GAN run writes to metrics.json (and compares with its reference run).
    var metrics: [String: Double] {
        [
            "D loss": discriminatorLoss, "G loss": generatorLoss, "D(x)": realScore, "D(G(z))": fakeScore,
            "variety": diversity,
        ]
        .merging(scoreMetrics) { mine, _ in mine }
    }
}

/// The GAN chapters' training loop.
public typealias GANTraining = TrainingLoop<GANStepNumbers, GANEpoch>

public extension TrainingLoop where Numbers == GANStepNumbers, Record == GANEpoch {
    /// Two models and their optimisers, saved as "G", "D", "G.adam", "D.adam"; the curves sample
    /// every epoch 25 times.
    convenience init(
        run: Run, rng: RandomGenerator, configuration: [String: String], step: GANTrainingStep,
        examples: Int, batchSize: Int, epochs: Int
    ) {
        self.init(
            run: run, rng: rng, configuration: configuration,
            models: [("G", step.generator), ("D", step.discriminator)],
            optimizers: [("G.adam", step.generatorOptimizer), ("D.adam", step.discriminatorOptimizer)],
            examples: examples, batchSize: batchSize, epochs: epochs, curvePointsPerEpoch: 25)
    }

    /// The loop of the GAN chapters: every epoch, in a new shuffled order, `fill` puts each batch
    /// of real images into a tensor and `step` trains on it (D's step, then G's); its numbers go to
    /// the running means, the curves and the progress bar (a loss that is not a number, or Ctrl-C,
    /// ends the loop by throwing). After each epoch's steps, `afterEpoch` draws and records it
    /// (ending with `endEpoch`).
    ///
    /// First `resuming` (the chapter's --resume) continues a saved run, and `notebook` is kept to
    /// write the chapter's notebook after every epoch (`begin`).
    func train(_ step: GANTrainingStep, resuming: Bool, notebook: @escaping (RunStatus) throws -> Void,
               batches fill: (_ real: Tensor, _ indices: ArraySlice<Int>) -> Void,
               afterEpoch: (_ epoch: Int) throws -> Void) throws {
        try begin(resuming: resuming, notebook: notebook)
        let real = Tensor(shape: [0])
        for epoch in epochsToTrain {
            for stepNumber in beginEpoch(epoch) {
                fill(real, batch(stepNumber))                 // x: [B, C·H·W] in [-1, 1]
                try endStep(stepNumber, step(real: real))     // D's step, then G's
            }
            try afterEpoch(epoch)
        }
    }

    /// Ends a GAN epoch: records it with `diversity` (the fixed-z samples' variety) and `score`,
    /// warns about what looks wrong (the diagnosis's warnings and the score's coverage), and saves.
    /// `diversity`: the samples' variety over the real images'; undefined (NaN) when the real
    /// images are all alike (one image: a variety of 0 to divide by).
    /// `critic`: D is a Wasserstein critic, whose scores are not probabilities.
    func endEpoch(diversity: Double, score: DigitScore? = nil, critic: Bool = false) throws {
        let diversity = diversity.isFinite ? diversity : .nan
        let record = GANEpoch(epoch: epoch, epochMeans, diversity: diversity, score: score, seconds: epochSeconds)
        var warnings = GANDiagnosis.warnings(for: history + [record], stepsPerEpoch: stepsPerEpoch, critic: critic)
        if GANDiagnosis.pastEarlyBlur(epoch, stepsPerEpoch: stepsPerEpoch),
            let coverage = score?.coverageWarning(epoch: epoch)
        {
            warnings.append(coverage)
        }
        try endEpoch(record, status: "variety \(shown(diversity, 2))", warnings: warnings)
        if let score { print("  digit score: \(score.summary)") }
    }

    /// Seconds spent training, over all finished epochs (resumed ones included).
    var trainingSeconds: Double { history.reduce(0) { $0 + $1.seconds } }
    /// Seconds per training step, over all finished epochs.
    var secondsPerStep: Double { trainingSeconds / Double(max(1, history.count * stepsPerEpoch)) }

    /// The loss chart, the chart of D's beliefs and the variety chart (1 = as varied as real images).
    /// `critic`: D is a Wasserstein critic (chapter 7): its losses and raw scores, not probabilities.
    func charts(subject: String, critic: Bool = false) -> (losses: Chart, beliefs: Chart, variety: Chart) {
        (
            Chart(
                title: "\(critic ? "WGAN" : "GAN") on \(subject): losses", xLabel: "epoch",
                yLabel: critic ? "critic: mean D(G(z)) − mean D(x) (+ penalty); G: −mean D(G(z))" : "binary cross-entropy",
                series: [.init(critic ? "critic loss" : "D loss", curves[0].points), .init("G loss", curves[1].points)]),
            Chart(
                title: "\(critic ? "WGAN" : "GAN") on \(subject): \(critic ? "the critic's scores" : "what D believes")",
                xLabel: "epoch", yLabel: critic ? "mean score (any real number)" : "mean probability of 'real'",
                series: [.init("D(x), real images", curves[2].points), .init("D(G(z)), fakes", curves[3].points)]),
            Chart(
                title: "Variety of the fixed-z samples (real images = 1)", xLabel: "epoch",
                yLabel: "relative mean distance",
                series: [.init("samples", history.map { (x: Double($0.epoch), y: $0.diversity) }, style: "linespoints")]
            )
        )
    }

    /// Draws the three charts into `outputFolder` as loss, scores and variety (.png, .dat, .gp).
    func drawCharts(subject: String, critic: Bool = false, into outputFolder: URL) throws -> GANChartFiles {
        let charts = charts(subject: subject, critic: critic)
        return GANChartFiles(losses: try charts.losses.draw(into: outputFolder, name: "loss"),
                             beliefs: try charts.beliefs.draw(into: outputFolder, name: "scores"),
                             variety: try charts.variety.draw(into: outputFolder, name: "variety"))
    }
}

/// The GAN charts as drawn (nil where gnuplot drew nothing).
public struct GANChartFiles {
    public var losses: URL?, beliefs: URL?, variety: URL?
}
