// Chapter 3: a generative adversarial network on MNIST.
//
// Read this file beside chapters/03-gan.md. Two networks learn against each other: the
// generator G turns random vectors z into images, the discriminator D tells real digits from G's.
//
//     swift run chapter03-gan --data-dir ../shared/data
//     swift run chapter03-gan --preset small          # the other tutorials' networks
//     swift run chapter03-gan --resume --epochs 40    # continue a run from its checkpoint
//     swift run chapter03-gan --generate 1000 --checkpoint output/chapter03-gan/checkpoint.bin

import ArgumentParser
import Backprop
import ExerciseChecker
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

// classic, small, book: the tutorials' networks and settings (Sources/Models/MLPGAN.swift)
typealias Preset = MLPGAN.Preset
extension Preset: ExpressibleByArgument {}
extension Latent: ExpressibleByArgument {}

enum Defaults: TrainingDefaults {
    static let epochs = 30, batchSize = 128, learningRate: Float = 2e-4
    static let epochsNote = " for --preset classic, 50 for small and book",
        batchSizeNote = " for classic, 64 for small and book",
        learningRateNote = " for classic and book, 0.002 for small"
}

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter03-gan", abstract: "Train a GAN whose generator learns to draw MNIST digits from random noise.")

    @Option(help: "The networks and settings of one of the tutorials.")
    var preset: Preset = .classic
    @Option(help: "The distribution of z: normal or uniform (default: the preset's).")
    var latent: Latent?
    @Option(
        name: .customLong("real-label"),
        help: "D's target for real images: 0.9 is one-sided label smoothing, 1 turns it off.")
    var realLabel: Float = 0.9
    @Option(name: .customLong("d-dropout"), help: "Dropout after each hidden layer of D (default: the preset's).")
    var discriminatorDropout: Float?
    @Option(name: .customLong("d-steps"), help: "Discriminator steps per generator step (more: a stronger D).")
    var discriminatorSteps = 1
    @OptionGroup var scoring: ScoreOptions
    // --epochs, --lr, --resume, --generate, --zoom, --seed, ... (Workbook)
    @OptionGroup var common: GenerativeOptions<Defaults>
    @OptionGroup var mine: MineOptions   // --mine: train with your answers (Sources/Exercises)

    func validate() throws {
        try require(
            realLabel.isFinite && realLabel > 0.5 && realLabel <= 1,
            "--real-label must be in (0.5, 1] (got \(realLabel))")
        try require(
            discriminatorDropout.map { $0 >= 0 && $0 < 1 } ?? true,
            "--d-dropout must be in [0, 1) (got \(discriminatorDropout ?? 0))")
        try require(
            (1...10).contains(discriminatorSteps), "--d-steps must be between 1 and 10 (got \(discriminatorSteps))")
    }
}

let options = Options.parseOrExit()
let preset = options.preset
var networks = preset.networks
networks.discriminatorDropout = options.discriminatorDropout ?? networks.discriminatorDropout
let latentSize = networks.latentSize
let latent = options.latent ?? preset.latent
let batchSize = options.common.training.batchSizeFlag ?? preset.batchSize
let learningRate = options.common.training.learningRateFlag ?? preset.learningRate
let epochCount = options.common.training.epochsFlag ?? preset.defaultEpochs
let realLabel = options.realLabel, discriminatorSteps = options.discriminatorSteps,
    zoom = options.common.drawing.zoom ?? 2  // pictures: 2x
let run = exitOnError {
    try Run(
        chapter: "chapter03-gan", options: options.common.run,
        lock: !options.common.generation.isDrawing)
}
let rng = RandomGenerator(seed: options.common.run.seed)

// MARK: - 2. Models
// Plain perceptrons (Sources/Models/MLPGAN.swift). G ends in tanh: images in [-1, 1], as the real digits.
// D ends in one logit: P(real) = sigmoid(logit), and the loss is computed from the logit (stable for any logit).

// G: z [B, 100] -> x̂ [B, 784];  D: x [B, 784] -> logit [B, 1]
let (generator, discriminator) = networks.networks(rng: rng)
// The training step: D learns, then G (the D step and the G step, written out in
// Sources/Models/Steps/GANStep.swift, which the text quotes and bench times).
// --mine: your answers to this chapter's exercises (Sources/Exercises) in place of the library's parts.
let yours = exitOnError {
    try YourAnswers(options.mine, candidates: ["linear-backward", "leaky-relu-backward", "tanh-backward", "bce-logits",
                                               "discriminator-step", "generator-step", "adam-update"])
}
yours.plug(into: generator, discriminator)
let ganStep = yours.ganStep(GANStep(
    generator: generator, discriminator: discriminator, learningRate: learningRate,
    latent: latent, latentSize: latentSize, realLabel: realLabel, discriminatorSteps: discriminatorSteps, rng: rng))
// grids, strip, walk (Workbook/Images)
let pictures = SamplePictures(run: run, generator: generator, layout: .gray(side: 28), zoom: zoom)

// The settings, declared once: what a checkpoint must match, the report's table, metrics.json.
let settings = Settings(
    [
        "preset": preset.rawValue, "generator": describe(networks.generatorSizes),
        "discriminator": describe(networks.discriminatorSizes),
        "latent": latent.rawValue, "batch size": batchSize, "learning rate": learningRate, "real label": realLabel,
        "D dropout": networks.discriminatorDropout, "D steps": discriminatorSteps, "epochs": epochCount, "zoom": zoom,
    ], run: options.common.run)

// MARK: - Generating only: --generate N
if let count = options.common.generation.generate {
    exitOnError {
        print(
            try pictures.generate(
                count, from: options.common.generation.checkpointFile(run), as: "G", settings: settings.checkpoint,
                mustMatch: ["generator", "latent", "preset"], hint: "pass the same --preset/--latent to draw from it"
            ) { z, n in latent.sample(z, count: n, size: latentSize, using: rng) })
    }
    exit(0)
}

// MARK: - 3. Data
// MNIST digits scaled from [0, 255] to [-1, 1], the range of G's tanh.
let (fullTrain, test) = exitOnError {
    (try MNIST.load(.train, root: run.dataRoot), try MNIST.load(.test, root: run.dataRoot))
}
let train = fullTrain.prefix(options.common.run.limit)
print("MNIST: \(train.count) training images from \(run.shownDataRoot)")
print(
    "G \(describe(networks.generatorSizes)): \(generator.parameterCount) parameters; D "
        + "\(describe(networks.discriminatorSizes)): \(discriminator.parameterCount) parameters"
)

let realVariety = test.variety(of: 64, range: -1...1)   // how varied real digits are: the yardstick for mode collapse

// 64 latent vectors fixed for the whole run: the same z every epoch, so the grids show G learning;
// and the ends of 8 straight lines from one z to another, 10 steps each.
let (fixedZ, ends) = latent.fixed(size: latentSize, walks: 8, seed: options.common.run.seed)

// A number that moves: a digit classifier (appendix A; trained once, cached) judges 2,000 samples
// from fixed z every epoch. It has its own random numbers: scoring changes nothing in training.
let scorer = !options.scoring.score ? nil : exitOnError {
    try DigitScorer.prepared(train: fullTrain, test: test, cacheFolder: options.common.cache.cacheFolder)
}
let scoreZ = Tensor(shape: [0])
latent.sample(scoreZ, count: 2000, size: latentSize, using: RandomGenerator(seed: options.common.run.seed &+ 31_337))

// MARK: - 4. The bookkeeping: history, charts, checkpoints, resuming, Ctrl-C (Workbook/Training/)
let training = GANTraining(run: run, rng: rng, configuration: settings.checkpoint, step: ganStep,
                           examples: train.count, batchSize: batchSize, epochs: epochCount)

// MARK: - 5. Training: D and G take turns
exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    // --resume continues the saved run; the notebook (section 6) is written after every epoch
    try training.train(ganStep, resuming: options.common.training.resume, notebook: writeNotebook,
                       batches: { real, indices in train.fill(real, with: indices, range: -1...1) }) { epoch in
        // The same 64 z as every epoch: how does G draw them now? And what does the classifier say?
        let samples = try pictures.epochGrid(fixedZ, epoch: epoch)
        try training.endEpoch(
            diversity: meanPairwiseDistance(samples) / realVariety,  // history, warnings, checkpoint
            score: scorer?.score(draw(generator, scoreZ), range: -1...1))
    }
}

// MARK: - 6. Outputs: pictures, charts and tables, woven into chapters/03-gan.md

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let notebook = Notebook(run: run, settings: settings)
    try notebook.gan(training, subject: "MNIST", status: status) {  // charts, the epoch table
        // samples, progress strip, latent walk
        _ = try pictures.final(fixedZ: fixedZ, epochs: epochCount, ends: ends, steps: 10)
    }
    try notebook.digitScore(training.history)  // G has not changed since the last score
    yours.record(in: notebook)                  // which parts were yours (with --mine)
    notebook.timing(
        trainingSeconds: training.trainingSeconds, samples: train.count * training.history.count, unit: "real images",
        notebookSeconds: training.notebookSeconds)
    guard status.isFinished, let last = training.history.last else { return try notebook.write(status) }
    try notebook.finish(
        metrics: last.metrics, pictures: ["samples.png", "interpolation.png"],
        data: train.fingerprint + "-" + test.fingerprint)
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
print(
    "Done: \(training.history.count) epochs, \(formatDuration(training.trainingSeconds)) of training. Wrote "
        + "\(run.outputFolder.path)/report.html"
)
