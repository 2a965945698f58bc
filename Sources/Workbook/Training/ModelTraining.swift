import Backprop
import Foundation

/// The bookkeeping around the autoencoder chapters' training loop (chapters 1 and 2), the
/// one-model sibling of `GANTraining`: the epoch's shuffled order, the running loss and its curve,
/// the progress bar, a stop on a loss that is not a number, a checkpoint after every epoch and on
/// Ctrl-C, and resuming from it bit for bit. The chapter writes the training step itself:
///
///     for epoch in training.epochs {
///         for step in training.beginEpoch(epoch) {
///             let indices = training.batch(step)
///             ... forward, loss, backward, optimizer step ...
///             training.endStep(step, loss: value, count: indices.count)
///         }
///         training.endEpoch(["test MSE": ...], status: "...")
///     }
public final class ModelTraining {
    public let run: Run
    public let model: Layer
    public let optimizer: Adam
    public let rng: RandomGenerator
    public let configuration: [String: String]
    public let exampleCount: Int, batchSize: Int, epochCount: Int, stepsPerEpoch: Int
    public let checkpointFile: URL
    /// One value per finished epoch, by name: "epoch", "training loss", "seconds" (training only)
    /// and whatever the chapter passes to `endEpoch`.
    public private(set) var history: [String: [Double]] = [:]
    /// The training loss averaged over every few steps, for the chart.
    public private(set) var curve: SmoothedCurve
    public private(set) var firstEpoch = 1

    private var epoch = 0, order: [Int] = [], lossSum = 0.0, seen = 0
    private var earlierSeconds = 0.0, epochStart = Date(), stepsEnd = Date()
    private var progress: ProgressBar?
    private var stoppedInside: (order: [Int], step: Int, lossSum: Double, seen: Int, seconds: Double)?

    public init(run: Run, model: Layer, optimizer: Adam, rng: RandomGenerator, configuration: [String: String],
                examples: Int, batchSize: Int, epochs: Int, curvePointsPerEpoch: Int = 50) {
        self.run = run
        self.model = model
        self.optimizer = optimizer
        self.rng = rng
        self.configuration = configuration
        exampleCount = examples
        self.batchSize = batchSize
        epochCount = epochs
        stepsPerEpoch = (examples + batchSize - 1) / batchSize
        checkpointFile = run.output("checkpoint.bin")
        curve = SmoothedCurve(every: max(1, stepsPerEpoch / curvePointsPerEpoch))
    }

    /// The epochs still to train.
    public var epochs: ClosedRange<Int> { firstEpoch...max(firstEpoch, epochCount) }

    /// Seconds spent in training steps, over all finished epochs.
    public var trainingSeconds: Double { (history["seconds"] ?? []).reduce(0, +) }

    /// The running mean of the training loss in the epoch under way.
    public var epochLoss: Double { lossSum / Double(max(seen, 1)) }

    /// Continues the run saved in the output folder's checkpoint (refusing one with other
    /// settings); exits (status 0) if it has nothing left to train.
    public func resume() throws {
        let saved = try Resuming.open(checkpointFile, configuration: configuration)
        try saved.restore(model, as: "model")
        try saved.restore(optimizer, as: "adam")
        rng.restore(stateWords: saved.randomState)
        for (key, values) in saved.history where key.hasPrefix("epochs.") { history[String(key.dropFirst(7))] = values }
        curve.restore(saved.history, as: "curve")
        firstEpoch = saved.epoch + 1
        if let step = saved.counters["step"], step > 0, let order = saved.history["epoch.order"], order.count == exampleCount {
            let sums = saved.history["epoch.sums"] ?? [0, 0, 0]
            stoppedInside = (order.map { Int($0) }, step, sums[0], Int(sums[1]), sums[2])
        }
        Resuming.announce(saved, from: checkpointFile, insideStep: stoppedInside?.step, epochCount: epochCount)
    }

    func saveCheckpoint(completedEpochs: Int, insideStep: Int? = nil) throws {
        var saved = curve.saved(as: "curve")
        for (key, values) in history { saved["epochs.\(key)"] = values }
        var checkpoint = Checkpoint(epoch: completedEpochs, randomState: rng.stateWords, configuration: configuration, history: saved)
        checkpoint.add(model, as: "model")
        checkpoint.add(optimizer, as: "adam")
        if let insideStep {
            checkpoint.counters["step"] = insideStep
            checkpoint.history["epoch.order"] = order.map(Double.init)
            checkpoint.history["epoch.sums"] = [lossSum, Double(seen), earlierSeconds + Date().timeIntervalSince(epochStart)]
        }
        try checkpoint.write(to: checkpointFile)
    }

    /// Starts an epoch (a new shuffled order, or the interrupted epoch's) and returns its steps.
    public func beginEpoch(_ epoch: Int) -> Range<Int> {
        self.epoch = epoch
        epochStart = Date()
        stepsEnd = epochStart
        var firstStep = 0
        if let inside = stoppedInside {
            (order, firstStep, lossSum, seen, earlierSeconds) = inside
            stoppedInside = nil
        } else {
            order = Array(0..<exampleCount)
            rng.shuffle(&order)                    // a new order every epoch
            (lossSum, seen, earlierSeconds) = (0, 0, 0)
        }
        if epoch == firstEpoch { Interruption.install() }
        progress = ProgressBar(title: "epoch \(epoch)/\(epochCount)", total: exampleCount)
        return firstStep..<stepsPerEpoch
    }

    /// The examples of a step's batch.
    public func batch(_ step: Int) -> ArraySlice<Int> {
        order[(step * batchSize)..<min((step + 1) * batchSize, exampleCount)]
    }

    /// Records a step's loss (the mean over its `count` examples); stops on a loss that is not a
    /// number; on Ctrl-C saves a checkpoint here and exits.
    public func endStep(_ step: Int, loss: Double, count: Int) {
        guard loss.isFinite else {
            exitOnError { throw WorkbookError("training diverged in epoch \(epoch), step \(step + 1): the loss is \(loss). Try a lower --lr.") }
            exit(1)
        }
        lossSum += loss * Double(count)
        seen += count
        curve.add(loss, at: Double(epoch - 1) + Double(step + 1) / Double(stepsPerEpoch))
        progress?.update(completed: seen, status: "loss \(fixed(epochLoss, 4))")
        stepsEnd = Date()
        if Interruption.requested {
            Resuming.stop(run, progress: progress, epoch: epoch, step: step + 1, of: stepsPerEpoch, file: checkpointFile) {
                try saveCheckpoint(completedEpochs: epoch - 1, insideStep: step + 1)
            }
        }
    }

    /// Ends the epoch: records the training loss, the seconds of its steps and the chapter's
    /// `numbers`, finishes the progress line with `status`, and saves a checkpoint.
    public func endEpoch(_ numbers: [String: Double], status: String) {
        curve.endEpoch()
        let record = numbers.merging(["epoch": Double(epoch), "training loss": epochLoss,
                                      "seconds": earlierSeconds + stepsEnd.timeIntervalSince(epochStart)]) { $1 }
        for (key, value) in record { history[key, default: []].append(value) }
        progress?.finish(status: "loss \(fixed(epochLoss, 4))  " + status)
        exitOnError { try saveCheckpoint(completedEpochs: epoch) }
    }
}
