import Backprop
import Foundation

/// The bookkeeping around a GAN's training loop, shared by chapters 3 and 4: the epoch's shuffled
/// order, running numbers and chart curves, the progress bar, a stop on a diverged loss, the
/// epoch's history and warnings, checkpoints (after every epoch, and inside one on Ctrl-C), and
/// resuming from them bit for bit.
///
/// The chapters write the discriminator's and the generator's steps themselves; those are the
/// lesson. Around them a chapter's loop reads:
///
///     for epoch in training.epochs {
///         for step in training.beginEpoch(epoch) {
///             let indices = training.batch(step)
///             ... D's step, G's step ...
///             training.endStep(step, dLoss: ..., gLoss: ..., realScore: ..., fakeScore: ...)
///         }
///         training.endEpoch(diversity: ...)
///     }
public final class GANTraining {
    public let run: Run
    public let generator: Sequential, discriminator: Sequential
    public let generatorOptimizer: Adam, discriminatorOptimizer: Adam
    public let rng: RandomGenerator
    /// Everything that must match for a checkpoint to continue this run.
    public let configuration: [String: String]
    public let exampleCount: Int, batchSize: Int, epochCount: Int
    public let stepsPerEpoch: Int
    public let checkpointFile: URL
    /// What each finished epoch looked like.
    public private(set) var history: [GANEpoch] = []
    public private(set) var firstEpoch = 1
    /// The per-step numbers averaged over every few steps, for the charts.
    public private(set) var curves: [String: SmoothedCurve]
    public static let curveNames = ["D", "G", "D(x)", "D(G(z))"]
    /// More numbers per epoch that a chapter records (a score, say): kept in checkpoints with the rest.
    public var extraHistory: [String: [Double]] = [:]
    /// The warnings about the latest epoch.
    public private(set) var latestWarnings: [String] = []

    // The epoch under way: its order of examples, running sums (D loss, G loss, D(x), D(G(z))).
    public private(set) var epoch = 0
    private var order: [Int] = []
    private var sums = [Double](repeating: 0, count: 4)
    private var earlierSeconds = 0.0
    private var epochStart = Date()
    private var progress: ProgressBar?
    /// Where a run stopped by Ctrl-C was inside its epoch; resuming continues from exactly there.
    private var stoppedInside: (order: [Int], step: Int, sums: [Double], seconds: Double)?

    public init(run: Run, generator: Sequential, discriminator: Sequential, generatorOptimizer: Adam,
                discriminatorOptimizer: Adam, rng: RandomGenerator, configuration: [String: String],
                examples: Int, batchSize: Int, epochs: Int) {
        self.run = run
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.rng = rng
        self.configuration = configuration
        exampleCount = examples
        self.batchSize = batchSize
        epochCount = epochs
        stepsPerEpoch = (examples + batchSize - 1) / batchSize
        checkpointFile = run.output("checkpoint.bin")
        curves = Dictionary(uniqueKeysWithValues: Self.curveNames.map { ($0, SmoothedCurve(every: max(1, (examples + batchSize - 1) / batchSize / 25))) })
    }

    /// The epochs still to train.
    public var epochs: ClosedRange<Int> { firstEpoch...max(firstEpoch, epochCount) }

    /// Seconds spent training, over all finished epochs (resumed ones included).
    public var trainingSeconds: Double { history.reduce(0) { $0 + $1.seconds } }

    // MARK: Resuming

    /// Continues the run saved in the output folder's checkpoint: refuses one trained with other
    /// settings, restores both models, both optimisers, the random generator, the history and the
    /// curves, and an interrupted epoch's place. Exits (status 0) if it has nothing left to train.
    public func resume() throws {
        let saved = try Resuming.open(checkpointFile, configuration: configuration)
        try saved.restore(generator, as: "G")
        try saved.restore(discriminator, as: "D")
        try saved.restore(generatorOptimizer, as: "G.adam")
        try saved.restore(discriminatorOptimizer, as: "D.adam")
        rng.restore(stateWords: saved.randomState)
        history = GANEpoch.epochs(from: saved.history)
        for name in Self.curveNames { curves[name]!.restore(saved.history, as: "curve.\(name)") }
        for (key, values) in saved.history where key.hasPrefix("extra.") { extraHistory[String(key.dropFirst(6))] = values }
        firstEpoch = saved.epoch + 1
        if let step = saved.counters["step"], step > 0, let order = saved.history["epoch.order"], order.count == exampleCount {
            stoppedInside = (order.map { Int($0) }, step, saved.history["epoch.sums"] ?? [0, 0, 0, 0], saved.history["epoch.seconds"]?.first ?? 0)
        }
        Resuming.announce(saved, from: checkpointFile, insideStep: stoppedInside?.step, epochCount: epochCount)
    }

    /// Saves everything the run needs to continue: after a whole epoch, or inside one (Ctrl-C).
    func saveCheckpoint(completedEpochs: Int, insideStep: Int? = nil) throws {
        var saved = GANEpoch.history(history)
        for (name, curve) in curves { saved.merge(curve.saved(as: "curve.\(name)")) { $1 } }
        for (key, values) in extraHistory { saved["extra.\(key)"] = values }
        var checkpoint = Checkpoint(epoch: completedEpochs, randomState: rng.stateWords, configuration: configuration, history: saved)
        checkpoint.add(generator, as: "G")
        checkpoint.add(discriminator, as: "D")
        checkpoint.add(generatorOptimizer, as: "G.adam")
        checkpoint.add(discriminatorOptimizer, as: "D.adam")
        if let insideStep {
            checkpoint.counters["step"] = insideStep
            checkpoint.history["epoch.order"] = order.map(Double.init)
            checkpoint.history["epoch.sums"] = sums
            checkpoint.history["epoch.seconds"] = [earlierSeconds + Date().timeIntervalSince(epochStart)]
        }
        try checkpoint.write(to: checkpointFile)
    }

    /// Reads a trained generator for drawing samples (`--generate`), refusing a checkpoint whose
    /// `keys` differ from this run's configuration (`hint` says which flags to pass).
    public static func loadGenerator(_ generator: Sequential, from file: URL, configuration: [String: String],
                                     mustMatch keys: [String], hint: String) throws -> Checkpoint {
        let saved = try Checkpoint(contentsOf: file)
        for key in keys where saved.configuration[key] != configuration[key] {
            throw WorkbookError("\(file.path) was trained with \(key) \(saved.configuration[key] ?? "?"); \(hint)")
        }
        try saved.restore(generator, as: "G")
        return saved
    }

    // MARK: The loop

    /// Starts an epoch (a new shuffled order, or the interrupted epoch's) and returns its steps.
    public func beginEpoch(_ epoch: Int) -> Range<Int> {
        self.epoch = epoch
        epochStart = Date()
        var firstStep = 0
        if let inside = stoppedInside {            // continuing an epoch that Ctrl-C interrupted
            (order, firstStep, sums, earlierSeconds) = inside
            stoppedInside = nil
        } else {
            order = Array(0..<exampleCount)
            rng.shuffle(&order)                    // a new order every epoch
            sums = [0, 0, 0, 0]
            earlierSeconds = 0
        }
        if epoch == firstEpoch { Interruption.install() }   // Ctrl-C: finish the step, save, explain how to continue
        progress = ProgressBar(title: "epoch \(epoch)/\(epochCount)", total: exampleCount)
        return firstStep..<stepsPerEpoch
    }

    /// The examples of a step's batch.
    public func batch(_ step: Int) -> ArraySlice<Int> {
        order[(step * batchSize)..<min((step + 1) * batchSize, exampleCount)]
    }

    /// Records a step: its numbers go to the running means, the curves and the progress bar. A
    /// loss that is not a number stops the run with a message; Ctrl-C saves a checkpoint here and exits.
    public func endStep(_ step: Int, dLoss: Double, gLoss: Double, realScore: Double, fakeScore: Double) {
        guard dLoss.isFinite && gLoss.isFinite else {
            let last = FileManager.default.fileExists(atPath: checkpointFile.path)
                ? "The last good checkpoint (end of epoch \(epoch - 1)) is \(checkpointFile.path)." : "No checkpoint was written yet."
            exitOnError { throw WorkbookError("training diverged in epoch \(epoch), step \(step + 1): D loss \(dLoss), G loss \(gLoss). "
                                              + "\(last) Try a lower --lr.") }
            exit(1)
        }
        let values = [dLoss, gLoss, realScore, fakeScore]
        for i in 0..<4 { sums[i] += values[i] }
        let x = Double(epoch - 1) + Double(step + 1) / Double(stepsPerEpoch)
        for (name, value) in zip(Self.curveNames, values) { curves[name]!.add(value, at: x) }
        progress?.update(completed: min((step + 1) * batchSize, exampleCount), status: status(steps: step + 1))

        if Interruption.requested {
            Resuming.stop(run, progress: progress, epoch: epoch, step: step + 1, of: stepsPerEpoch, file: checkpointFile) {
                try saveCheckpoint(completedEpochs: epoch - 1, insideStep: step + 1)
            }
        }
    }

    /// The running means as the progress bar shows them.
    func status(steps: Int) -> String {
        let s = Double(max(steps, 1))
        return "D \(fixed(sums[0] / s, 3)) G \(fixed(sums[1] / s, 3)) D(x) \(fixed(sums[2] / s, 2)) D(G(z)) \(fixed(sums[3] / s, 2))"
    }

    /// Ends the epoch: records it (with `diversity`, the fixed-z samples' variety), prints any
    /// warnings (the diagnosis's and the chapter's `warnings`), and saves a checkpoint.
    @discardableResult
    public func endEpoch(diversity: Double, warnings: [String] = []) -> GANEpoch {
        for name in Self.curveNames { curves[name]!.endEpoch() }
        let n = Double(stepsPerEpoch)
        let record = GANEpoch(epoch: epoch, discriminatorLoss: sums[0] / n, generatorLoss: sums[1] / n, realScore: sums[2] / n,
                              fakeScore: sums[3] / n, diversity: diversity, seconds: earlierSeconds + Date().timeIntervalSince(epochStart))
        history.append(record)
        progress?.finish(status: status(steps: stepsPerEpoch) + " variety \(fixed(diversity, 2))")
        latestWarnings = GANDiagnosis.warnings(for: history, stepsPerEpoch: stepsPerEpoch) + warnings
        for warning in latestWarnings { print("warning: \(warning)") }
        exitOnError { try saveCheckpoint(completedEpochs: epoch) }
        return record
    }

    // MARK: Outputs

    /// The loss chart and the chart of D's beliefs, from the curves.
    public func charts(subject: String) -> (losses: Chart, scores: Chart) {
        (Chart(title: "GAN on \(subject): losses", xLabel: "epoch", yLabel: "binary cross-entropy",
               series: [.init("D loss", curves["D"]!.points), .init("G loss", curves["G"]!.points)]),
         Chart(title: "GAN on \(subject): what D believes", xLabel: "epoch", yLabel: "mean probability of 'real'",
               series: [.init("D(x), real images", curves["D(x)"]!.points), .init("D(G(z)), fakes", curves["D(G(z))"]!.points)]))
    }

    /// The variety chart (1 = as varied as real images).
    public func varietyChart() -> Chart {
        Chart(title: "Variety of the fixed-z samples (real images = 1)", xLabel: "epoch", yLabel: "relative mean distance",
              series: [.init("samples", history.map { (x: Double($0.epoch), y: $0.diversity) }, style: "linespoints")])
    }
}

public extension Report {
    /// The GAN chapters' pictures: the final fixed-z grid, the progress strip, the latent walk.
    func ganSamples(epoch: Int, stripEpochs: [Int], walk: String) {
        heading("Samples")
        paragraph("The same 64 latent vectors after epoch \(epoch):")
        image("64 samples from fixed z", "samples.png")
        paragraph("Progress: the first row of the fixed-z grid after epochs \(stripEpochs.map(String.init).joined(separator: ", ")):")
        image("one row of samples per chosen epoch", "progress.png")
        paragraph("Interpolation: each row walks in a straight line from one random z to another; \(walk)")
        image("latent interpolation", "interpolation.png")
    }

    /// The GAN chapters' charts (files as `Chart.draw` returned them: nil when gnuplot did not draw).
    func ganCharts(losses: URL?, beliefs: URL?, variety: URL?) {
        chart(losses, heading: "Losses", caption: "D and G losses")
        chart(beliefs, heading: "D(x) and D(G(z))", caption: "D's mean probabilities")
        chart(variety, heading: "Variety", caption: "variety of the samples")
    }

    /// The GAN's warnings about its last epoch (if any) and its epoch-by-epoch table.
    func ganEpochs(_ history: [GANEpoch], warnings: [String], dLossMeaning: String) {
        if !warnings.isEmpty {
            heading("Warnings")
            bullets(warnings)
        }
        heading("Training, epoch by epoch")
        paragraph("D loss is \(dLossMeaning); D(x) and D(G(z)) are D's mean probabilities of \"real\". "
                  + "Variety compares the spread of the fixed-z samples with that of real images (1 = as varied).")
        table(["epoch", "D loss", "G loss", "D(x)", "D(G(z))", "variety", "seconds"],
              history.map { ["\($0.epoch)", fixed($0.discriminatorLoss, 3), fixed($0.generatorLoss, 3), fixed($0.realScore, 3),
                             fixed($0.fakeScore, 3), fixed($0.diversity, 2), fixed($0.seconds, 1)] })
    }
}
