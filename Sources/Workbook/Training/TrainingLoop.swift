import Backprop
import Foundation

/// The numbers a training step reports: averaged over the epoch, charted, shown on the progress bar.
public protocol StepNumbers: Sendable {
    /// Their names, in the order of `values` (the curves' titles).
    static var names: [String] { get }
    var values: [Double] { get }
    init(values: [Double])
    /// The numbers as the progress bar shows them.
    var status: String { get }
}

/// One loss per step: the autoencoder chapters' number.
public struct TrainingLoss: StepNumbers {
    public var loss: Double
    public init(_ loss: Double) { self.loss = loss }
    public init(values: [Double]) { loss = values[0] }
    public static let names = ["loss"]
    public var values: [Double] { [loss] }
    public var status: String { "loss \(fixed(loss, 4))" }
}

/// The bookkeeping around every chapter's training loop, for any number of models and
/// optimisers: the epoch's shuffled order and its batches, the running means of the step's
/// numbers and their curves, the progress bar, a stop on a number that is not finite, the typed
/// per-epoch history, checkpoints (after every epoch, and inside one on Ctrl-C), and resuming from
/// them bit for bit.
///
/// The chapters write the training step itself; that is the lesson. Around it a loop reads:
///
///     for epoch in training.epochsToTrain {
///         for step in training.beginEpoch(epoch) {
///             let indices = training.batch(step)
///             ... the training step ...
///             try training.endStep(step, TrainingLoss(loss), weight: Double(indices.count))
///         }
///         try training.endEpoch(Record(...))
///     }
///
/// Nothing here ends the program: a diverged loss throws a `WorkbookError`, Ctrl-C saves a
/// checkpoint and throws `RunEnded` (status 130); the program's top level (`exitOnError`) turns
/// either into a message and an exit status.
public final class TrainingLoop<Numbers: StepNumbers, Record: Codable> {
    public let rng: RandomGenerator
    /// Everything that must match for a checkpoint to continue this run.
    public let configuration: [String: String]
    public let exampleCount: Int, batchSize: Int, epochCount: Int, stepsPerEpoch: Int
    /// Where the checkpoints go; nil for a training that keeps none (the digit classifier without a cache).
    public let checkpointFile: URL?
    let models: [(name: String, model: Layer)]
    let optimizers: [(name: String, optimizer: Optimizer)]
    /// Random generators the models draw from besides `rng` (the digit classifier's dropout): their
    /// states are saved too.
    let generators: [(name: String, generator: RandomGenerator)]
    /// What is trained, for the messages ("the digit classifier"); nil for a chapter's own networks.
    let subject: String?
    /// The command of the program, how it continues after Ctrl-C, its threads, and its time so far.
    let command: String, continueWith: String?, threads: Int, elapsed: () -> Double
    /// A cache's checkpoints only save time: one that cannot be written is a warning, and training
    /// goes on without saving (a chapter's checkpoint that cannot be written stops the run).
    let checkpointIsCache: Bool
    private var savingFailed = false
    /// What a round of steps is called ("epoch"; "snapshot" for appendix C, which trains by steps),
    /// whether each takes the examples in a new shuffled order, and the steps in all when the last
    /// round is shorter.
    public let epochName: String
    let shuffles: Bool, totalSteps: Int?

    /// What each finished epoch looked like, as the chapter recorded it.
    public private(set) var history: [Record] = []
    public private(set) var firstEpoch = 1
    /// Each step number averaged over every few steps, for the charts (in the order of `Numbers.names`).
    public private(set) var curves: [SmoothedCurve]
    /// The warnings given about the latest epoch.
    public private(set) var latestWarnings: [String] = []
    /// Writes the chapter's notebook (report and charts) for a status: called after every epoch
    /// but the last, and when the run stops early, so the report exists while the run goes and
    /// after Ctrl-C. The chapter writes the finished one itself.
    public var notebook: ((RunStatus) throws -> Void)?
    /// Seconds spent writing the notebook during training (its share of the run is in the report).
    public private(set) var notebookSeconds = 0.0

    // The epoch under way: its order of examples, the weighted sums of the step numbers, its time.
    public private(set) var epoch = 0
    private var order: [Int] = []
    private var sums: [Double] = [], weight = 0.0
    private var earlierSeconds = 0.0, epochStart = Date(), stepsEnd = Date()
    private var progress: ProgressBar?
    /// This session's steps: when they began, how many are done, how many there are (for the run's time left).
    private var sessionStart: Date?, sessionSteps = 0, sessionTotal = 0
    /// Where a run stopped by Ctrl-C was inside its epoch; resuming continues from exactly there.
    private var stoppedInside: Inside?

    struct Inside: Codable {
        var order: [Int]; var step: Int; var sums: [Double]; var weight: Double; var seconds: Double
    }
    /// The loop's part of a checkpoint.
    struct State: Codable {
        var history: [Record]; var curves: [SmoothedCurve]; var inside: Inside?; var generators: [String: [UInt64]]?
    }

    /// `models` and `optimizers` are saved in checkpoints under their names; `curvePointsPerEpoch`
    /// says how finely the curves sample an epoch.
    public convenience init(
        run: Run, rng: RandomGenerator, configuration: [String: String], models: [(String, Layer)],
        optimizers: [(String, Optimizer)], examples: Int, batchSize: Int, epochs: Int, curvePointsPerEpoch: Int
    ) {
        self.init(
            checkpointFile: run.output("checkpoint.bin"), command: run.command, threads: run.threads, elapsed: { run.elapsed },
            rng: rng, configuration: configuration, models: models, optimizers: optimizers,
            examples: examples, batchSize: batchSize, epochs: epochs, curvePointsPerEpoch: curvePointsPerEpoch)
    }

    /// A loop by steps, for data drawn afresh at every step (no order to shuffle; appendix C's
    /// points): `steps` steps in rounds of `every`, each round ending as an epoch does (the
    /// program's snapshot, a checkpoint, the notebook); the last round may be shorter.
    public convenience init(
        run: Run, subject: String, rng: RandomGenerator, configuration: [String: String], models: [(String, Layer)],
        optimizers: [(String, Optimizer)], steps: Int, every: Int, roundName: String
    ) {
        self.init(
            checkpointFile: run.output("checkpoint.bin"), command: run.command, subject: subject, threads: run.threads,
            elapsed: { run.elapsed }, rng: rng, configuration: configuration, models: models, optimizers: optimizers,
            examples: every, batchSize: 1, epochs: (steps + every - 1) / every, curvePointsPerEpoch: 1,
            epochName: roundName, shuffles: false, totalSteps: steps)
    }

    /// The loop outside a chapter's run (the digit classifier's): checkpoints go to `checkpointFile` (if any),
    /// `subject` names what is trained, and after Ctrl-C the program continues with `continueWith`
    /// (else `command` with --resume).
    public init(
        checkpointFile: URL?, checkpointIsCache: Bool = false, command: String, continueWith: String? = nil,
        subject: String? = nil,
        threads: Int = Parallel.threads, elapsed: @escaping () -> Double, rng: RandomGenerator,
        configuration: [String: String], models: [(String, Layer)], optimizers: [(String, Optimizer)],
        generators: [(String, RandomGenerator)] = [], examples: Int, batchSize: Int, epochs: Int, curvePointsPerEpoch: Int,
        epochName: String = "epoch", shuffles: Bool = true, totalSteps: Int? = nil
    ) {
        (self.epochName, self.shuffles, self.totalSteps) = (epochName, shuffles, totalSteps)
        (self.checkpointFile, self.command, self.continueWith, self.subject) = (checkpointFile, command, continueWith, subject)
        (self.threads, self.elapsed, self.checkpointIsCache) = (threads, elapsed, checkpointIsCache)
        self.generators = generators.map { (name: $0.0, generator: $0.1) }
        self.rng = rng
        self.configuration = configuration
        self.models = models.map { (name: $0.0, model: $0.1) }
        self.optimizers = optimizers.map { (name: $0.0, optimizer: $0.1) }
        exampleCount = examples
        self.batchSize = batchSize
        epochCount = epochs
        stepsPerEpoch = (examples + batchSize - 1) / batchSize
        curves = Numbers.names.map { _ in
            SmoothedCurve(every: max(1, (examples + batchSize - 1) / batchSize / curvePointsPerEpoch))
        }
    }

    /// The epochs still to train.
    public var epochsToTrain: ClosedRange<Int> { firstEpoch...max(firstEpoch, epochCount) }

    /// The mean of each step number over the steps of the epoch under way (so far).
    public var epochMeans: Numbers { Numbers(values: sums.map { $0 / max(weight, 1e-300) }) }

    /// Seconds spent in the steps of the epoch under way (its earlier part too, if resumed inside it).
    public var epochSeconds: Double { earlierSeconds + stepsEnd.timeIntervalSince(epochStart) }

    // MARK: Checkpoints

    /// Before the first epoch: `notebook` writes the chapter's notebook (after every epoch, and when
    /// the run stops early); `resuming` (the chapter's `--resume`) continues the saved run.
    public func begin(resuming: Bool, notebook: @escaping (RunStatus) throws -> Void) throws {
        self.notebook = notebook
        if resuming { try resume() }
    }

    /// Continues the run saved in the output folder's checkpoint: refuses one trained with other
    /// settings, restores every model and optimiser, the random generator, the history and the
    /// curves, and an interrupted epoch's place. Throws `RunEnded` (status 0) if nothing is left to train.
    public func resume() throws {
        guard let checkpointFile else { throw WorkbookError("there is no checkpoint to resume: this training keeps none") }
        let saved = try Checkpoint(contentsOf: checkpointFile)
        let differences = saved.differences(from: configuration)
        if !differences.isEmpty {
            throw WorkbookError(
                "--resume: the settings differ from the checkpoint's, so the run cannot continue it:\n  "
                    + differences.joined(separator: "\n  ")
                    + "\nRun with the checkpoint's settings, or without --resume to start afresh.")
        }
        for (name, model) in models { try saved.restore(model, as: name) }
        for (name, optimizer) in optimizers { try saved.restore(optimizer, as: name) }
        let state: State
        do { state = try JSONFormat.decoder().decode(State.self, from: Data(saved.state.utf8)) } catch {
            throw WorkbookError(
                "\(checkpointFile.path) holds no readable training history (\(error.localizedDescription)): was it "
                    + "written by another chapter?"
            )
        }
        guard state.curves.count == curves.count else {
            throw WorkbookError("\(checkpointFile.path) was written by another chapter")
        }
        rng.restore(stateWords: saved.randomState)
        for (name, generator) in generators {
            guard let words = state.generators?[name] else {
                throw WorkbookError("\(checkpointFile.path) lacks the state of \(name)")
            }
            generator.restore(stateWords: words)
        }
        history = state.history
        curves = state.curves
        firstEpoch = saved.epoch + 1
        if let inside = state.inside, inside.step > 0, inside.order.count == (shuffles ? exampleCount : 0) {
            stoppedInside = inside
        }
        if let step = stoppedInside?.step {
            print("Resuming in \(epochName) \(saved.epoch + 1) after step \(step) from \(checkpointFile.path)")
        } else {
            print("Resuming after \(epochName) \(saved.epoch) from \(checkpointFile.path)")
        }
        if saved.epoch + 1 > epochCount {
            throw RunEnded(
                "The checkpoint has already trained \(saved.epoch) epochs; pass --epochs above \(saved.epoch) to "
                    + "continue.",
                status: 0)
        }
    }

    /// Saves everything the run needs to continue: after a whole epoch, or inside one (Ctrl-C).
    func saveCheckpoint(completedEpochs: Int, insideStep: Int? = nil) throws {
        let inside = insideStep.map { Inside(order: order, step: $0, sums: sums, weight: weight,
                                             seconds: earlierSeconds + Date().timeIntervalSince(epochStart)) }
        let generatorStates = generators.isEmpty
            ? nil : Dictionary(uniqueKeysWithValues: generators.map { ($0.name, $0.generator.stateWords) })
        let state = try JSONFormat.encoder().encode(
            State(history: history, curves: curves, inside: inside, generators: generatorStates))
        var checkpoint = Checkpoint(epoch: completedEpochs, randomState: rng.stateWords, configuration: configuration,
                                    state: String(decoding: state, as: UTF8.self))
        for (name, model) in models { checkpoint.add(model, as: name) }
        for (name, optimizer) in optimizers { checkpoint.add(optimizer, as: name) }
        guard let checkpointFile, !savingFailed else { return }
        do { try checkpoint.write(to: checkpointFile, kind: checkpointIsCache ? .cache : .checkpoint) } catch {
            guard checkpointIsCache else { throw error }
            print("warning: \(error); training goes on without saving (it starts again next time)")
            savingFailed = true
        }
    }

    // MARK: The loop

    /// Starts an epoch (a new shuffled order, or the interrupted epoch's) and returns its steps.
    public func beginEpoch(_ epoch: Int) -> Range<Int> {
        self.epoch = epoch
        epochStart = Date()
        stepsEnd = epochStart
        var firstStep = 0
        if let inside = stoppedInside {  // continuing an epoch that Ctrl-C interrupted
            (order, firstStep, sums, weight, earlierSeconds) = (
                inside.order, inside.step, inside.sums, inside.weight, inside.seconds
            )
            stoppedInside = nil
        } else {
            order = shuffles ? Array(0..<exampleCount) : []
            if shuffles { rng.shuffle(&order) }    // a new order every epoch
            (sums, weight, earlierSeconds) = (Array(repeating: 0, count: Numbers.names.count), 0, 0)
        }
        if sessionStart == nil {
            Interruption.install()  // Ctrl-C: finish the step, save, explain how to continue
            let which = epochsToTrain.count == 1 ? "\(epochName) \(epochsToTrain.lowerBound)"
                : "\(epochName)s \(epochsToTrain.lowerBound) to \(epochsToTrain.upperBound)"
            print(
                "Training \(subject.map { $0 + " " } ?? "")for \(which) of \(epochCount), \(stepsPerEpoch) steps each "
                    + (shuffles ? "(batch \(batchSize)) " : "") + "on \(threads) threads"
            )
            (sessionStart, sessionTotal) = (Date(), (epochCount - epoch + 1) * stepsPerEpoch - firstStep)
        }
        progress = ProgressBar(
            title: "\(subject.map { $0 + ", " } ?? "")\(epochName) \(epoch)/\(epochCount)", total: steps(in: epoch) * batchSize)
        return firstStep..<steps(in: epoch)
    }

    /// The steps of epoch `epoch`: all of them, or the rest of `totalSteps` in the last.
    public func steps(in epoch: Int) -> Int {
        guard let totalSteps, epoch == epochCount else { return stepsPerEpoch }
        return totalSteps - (epochCount - 1) * stepsPerEpoch
    }

    /// The examples of a step's batch.
    public func batch(_ step: Int) -> ArraySlice<Int> {
        order[(step * batchSize)..<min((step + 1) * batchSize, exampleCount)]
    }

    /// Records a step: its numbers go to the running means (each step counting `weight`: the
    /// autoencoders weigh a step by its examples, the GANs count every step once), the curves and
    /// the progress bar. A number that is not finite stops the run (throws); so does Ctrl-C, after
    /// saving a checkpoint here.
    public func endStep(_ step: Int, _ numbers: Numbers, weight stepWeight: Double = 1) throws {
        let values = numbers.values
        guard values.allSatisfy(\.isFinite) else {
            let saved = checkpointFile.map { FileManager.default.fileExists(atPath: $0.path) } ?? false
            let last = saved ? "The last good checkpoint (end of \(epochName) \(epoch - 1)) is \(checkpointFile!.path)."
                             : "No checkpoint was written yet."
            let shown = zip(Numbers.names, values).map { "\($0) \($1)" }.joined(separator: ", ")
            let reason = "training diverged in \(epochName) \(epoch), step \(step + 1): \(shown)"
            try writeNotebook(
                .stopped(reason: reason + "; try a lower --lr", continueWith: saved ? continueCommand : command))
            throw WorkbookError("\(reason). \(last) Try a lower --lr.")
        }
        for i in values.indices { sums[i] += values[i] * stepWeight }
        weight += stepWeight
        let x = Double(epoch - 1) + Double(step + 1) / Double(stepsPerEpoch)
        for i in values.indices { curves[i].add(values[i], at: x) }
        stepsEnd = Date()
        sessionSteps += 1
        let runLeft =
            stepsEnd.timeIntervalSince(sessionStart ?? stepsEnd) / Double(sessionSteps)
            * Double(sessionTotal - sessionSteps)
        progress?.update(
            completed: min((step + 1) * batchSize, shuffles ? exampleCount : steps(in: epoch) * batchSize),
            status: epochMeans.status + "  run: \(formatDuration(runLeft)) left")
        if Interruption.requested {
            try saveCheckpoint(completedEpochs: epoch - 1, insideStep: step + 1)
            progress?.finish(status: "stopped")
            try writeNotebook(
                .stopped(
                    reason: "Ctrl-C in \(epochName) \(epoch) after step \(step + 1) of \(steps(in: epoch))",
                    continueWith: continueCommand))
            let stopped = "Stopped in \(epochName) \(epoch) after step \(step + 1) of \(steps(in: epoch))"
            guard let checkpointFile else { throw RunEnded(stopped + "; nothing is kept: run again to start over.", status: 130) }
            throw RunEnded(stopped + "; checkpoint saved to \(checkpointFile.path).\n"
                           + "Continue exactly where it stopped with: \(continueCommand)", status: 130)
        }
    }

    /// Ends the epoch: records `record`, finishes the progress line with the means and `status`,
    /// prints `warnings`, and saves a checkpoint.
    public func endEpoch(_ record: Record, status: String = "", warnings: [String] = []) throws {
        for i in curves.indices { curves[i].endEpoch() }
        history.append(record)
        progress?.finish(status: epochMeans.status + (status.isEmpty ? "" : "  " + status))
        latestWarnings = warnings
        for warning in warnings { print("warning: \(warning)") }
        // a full disk: the last good checkpoint stays, and the report says so
        do { try saveCheckpoint(completedEpochs: epoch) } catch {
            let last =
                epoch > 1 ? "the checkpoint of \(epochName) \(epoch - 1) is the last good one" : "there is no checkpoint yet"
            try? writeNotebook(
                .stopped(
                    reason: "the checkpoint of \(epochName) \(epoch) could not be written (\(error)); \(last)",
                    continueWith: epoch > 1 ? continueCommand : command))
            throw error
        }
        if epoch < epochCount {
            // This session's epochs so far say how long the rest will take.
            let perEpoch = elapsed() / Double(epoch - firstEpoch + 1)
            try writeNotebook(
                .running(
                    epoch: epoch, of: epochCount, elapsed: elapsed(), remaining: perEpoch * Double(epochCount - epoch),
                    unit: epochName))
        }
    }

    /// The command that continues this run from its checkpoint.
    public var continueCommand: String {
        continueWith ?? (command.contains("--resume") ? command : command + " --resume")
    }

    func writeNotebook(_ status: RunStatus) throws {
        guard let notebook else { return }
        let start = Date()
        try notebook(status)
        notebookSeconds += Date().timeIntervalSince(start)
    }
}
