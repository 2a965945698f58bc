// Chapter 7: the Wasserstein GAN on MNIST, and a conditional GAN that draws the digit it is asked for.
//
// Read this file beside chapters/07-wasserstein-gan.md. D becomes a critic: no sigmoid, a score, and
// the difference of its mean scores on real and fake digits estimates how far apart they are, if
// the critic is 1-Lipschitz. Three ways to keep it so: a gradient penalty (the default), weight
// clipping, spectral normalisation.
//
//     swift run chapter07-wasserstein-gan --data-dir ../shared/data
//     swift run chapter07-wasserstein-gan --conditional       # G draws the digit it is asked for
//     swift run chapter07-wasserstein-gan --spectral-norm     # SN-GAN's critic in place of the penalty
//     swift run chapter07-wasserstein-gan --clip 0.01         # the first WGAN: weight clipping and RMSProp

import ArgumentParser
import Backprop
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

enum Defaults: TrainingDefaults {
    static let epochs = 20, batchSize = 64, learningRate: Float = 1e-4, learningRateNote = "; 5e-5 with --clip"
}

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chapter07-wasserstein-gan",
        abstract: "Train a Wasserstein GAN (a critic kept 1-Lipschitz) on MNIST digits, or a conditional one.")

    @Flag(help: "Give G and the critic the digit's label: G then draws the digit it is asked for.")
    var conditional = false
    @Option(help: ArgumentHelp("The gradient penalty's weight λ, above 0 and at most 1000.", valueName: "λ"))
    var penalty: Float = 10
    @Flag(name: .customLong("spectral-norm"),
          help: "Keep the critic 1-Lipschitz by spectral normalisation of its layers, in place of the penalty.")
    var spectralNorm = false
    @Option(help: ArgumentHelp("Keep the critic Lipschitz by clipping its weights to [-c, c], in place of the penalty "
                               + "(the first WGAN; RMSProp).", valueName: "c"))
    var clip: Float?
    @Option(name: .customLong("critic-steps"), help: "Critic steps per G step, 1 to 10.")
    var criticSteps = 5
    @OptionGroup var scoring: ScoreOptions
    @OptionGroup var common: GenerativeOptions<Defaults>   // --epochs, --lr, --resume, --generate, --seed, ...

    func validate() throws {
        try require(penalty.isFinite && penalty > 0 && penalty <= 1000, "--penalty must be above 0, at most 1000")
        try require(clip.map { $0.isFinite && $0 > 0 && $0 <= 1 } ?? true, "--clip must be above 0 and at most 1")
        try require(!(spectralNorm && clip != nil), "--spectral-norm and --clip are two ways to do one thing: pick one")
        try require((1...10).contains(criticSteps), "--critic-steps must be between 1 and 10 (got \(criticSteps))")
    }
}

let options = Options.parseOrExit()
let constraint: Lipschitz = options.clip.map { .weightClipping(limit: $0) }
    ?? (options.spectralNorm ? .spectralNormalization : .gradientPenalty(weight: options.penalty))
let networks = WassersteinGAN(conditional: options.conditional, spectralNorm: options.spectralNorm)
let latentSize = networks.latentSize, batchSize = options.common.training.batchSizeOrDefault,
    learningRate = options.common.training.learningRateFlag ?? (options.clip == nil ? Defaults.learningRate : 5e-5),
    epochCount = options.common.training.epochsOrDefault, zoom = options.common.drawing.zoom ?? 2
let variant = options.conditional ? "-conditional" : options.spectralNorm ? "-spectral-norm"
    : options.clip != nil ? "-clipping" : ""
let run = exitOnError { try Run(chapter: "chapter07-wasserstein-gan" + variant, program: "chapter07-wasserstein-gan",
                                options: options.common.run, lock: !options.common.generation.isDrawing) }
let rng = RandomGenerator(seed: options.common.run.seed)

// MARK: - 2. Models
// Chapter 3's perceptrons; D is a critic: one score, no sigmoid, no dropout (Models/WassersteinGAN.swift).
// G: z [B, 100 (+10)] -> x̂ [B, 784];  critic: x [B, 784 (+10)] -> score [B, 1]
let (generator, critic) = networks.networks(rng: rng)
// The step (Sources/Models/Steps/WassersteinStep.swift, which the text quotes and bench times): the
// critic learns from every batch; G learns after every fifth critic step.
let wganStep = WassersteinStep(generator: generator, critic: critic, constraint: constraint, learningRate: learningRate,
                               latent: .normal, latentSize: latentSize, criticSteps: options.criticSteps,
                               classes: networks.labelSize, rng: rng)
let pictures = SamplePictures(run: run, generator: generator, layout: .gray(side: 28), zoom: zoom)
let settings = Settings(["conditional": options.conditional, "critic": constraint.description,
                         "generator": describe(networks.layout.generatorSizes),
                         "critic sizes": describe(networks.layout.discriminatorSizes), "critic steps": options.criticSteps,
                         "batch size": batchSize, "learning rate": learningRate, "epochs": epochCount, "zoom": zoom],
                        run: options.common.run)

/// G's inputs for z [N, 100] asked for `digits` (one per row): z ⊕ one-hot digit when conditional, else z.
func asking(_ z: Tensor, for digits: [Int]) -> Tensor {
    guard options.conditional else { return z }
    let labels = Tensor(shape: [0])
    oneHot(digits, classes: WassersteinGAN.classes, into: labels)
    return Tensor(copying: JoinColumns().forward(z, labels))
}

// MARK: - Generating only: --generate N (a conditional G draws the digits 0, 1, ..., 9, 0, ... in turn)
if let count = options.common.generation.generate {
    exitOnError { print(try pictures.generate(count, from: options.common.generation.checkpointFile(run), as: "G",
                                              settings: settings.checkpoint, mustMatch: ["conditional", "generator"],
                                              hint: "pass --conditional if it was trained with it") { z, n in
        Latent.normal.sample(z, count: n, size: latentSize, using: rng)
        z.copy(from: asking(z, for: (0..<n).map { $0 % 10 }))
    }) }
    exit(0)
}

// MARK: - 3. Data: MNIST in [-1, 1], and (conditional) each digit's label, one-hot
let (fullTrain, test) = exitOnError { (try MNIST.load(.train, root: run.dataRoot), try MNIST.load(.test, root: run.dataRoot)) }
let train = fullTrain.prefix(options.common.run.limit)
print("MNIST: \(train.count) training images from \(run.shownDataRoot); G \(generator.parameterCount) weights, "
      + "critic \(critic.parameterCount) (\(constraint.description))")
let realVariety = test.variety(of: 64, range: -1...1)

// Fixed inputs: 64 z for the grids (conditional: 10 z, each asked for every digit, a row per digit),
// the ends of 8 latent walks (conditional: from one digit to another), 2,000 z to score.
let (someZ, ends) = Latent.normal.fixed(size: latentSize, walks: 8, seed: options.common.run.seed)
let rows = options.conditional ? 10 : 8, gridDigits = (0..<100).map { $0 / 10 }
let fixedZ = !options.conditional ? someZ : asking(pickRows(gridDigits.indices.map { $0 % 10 }, of: someZ), for: gridDigits)
let walkEnds = asking(ends, for: (0..<ends.rows).map { ($0 * 3) % 10 })
let scorer = !options.scoring.score ? nil : exitOnError {
    try DigitScorer.prepared(train: fullTrain, test: test, cacheFolder: options.common.cache.cacheFolder)
}
let scoreDigits = (0..<2000).map { $0 % 10 }, scoreZ = Tensor(shape: [0])
Latent.normal.sample(scoreZ, count: 2000, size: latentSize, using: RandomGenerator(seed: options.common.run.seed &+ 31_337))
let scoreInputs = asking(scoreZ, for: scoreDigits)

// MARK: - 4. The bookkeeping: history, charts, checkpoints, resuming, Ctrl-C (Workbook/Training/)
let training = GANTraining(run: run, rng: rng, configuration: settings.checkpoint, step: wganStep,
                           examples: train.count, batchSize: batchSize, epochs: epochCount)

// MARK: - 5. Training: the critic learns from every batch, G after every fifth critic step
exitOnError {
    try training.train(wganStep, resuming: options.common.training.resume, notebook: writeNotebook,
                       batches: { real, indices in
                           train.fill(real, with: indices, range: -1...1)                   // x: [B, 784]
                           if options.conditional { train.fillOneHotLabels(wganStep.labels, with: indices) }  // y: [B, 10]
                       }) { epoch in
        let samples = try pictures.epochGrid(fixedZ, epoch: epoch, perRow: rows)
        try training.endEpoch(diversity: meanPairwiseDistance(samples) / realVariety,
                              score: scorer?.score(draw(generator, scoreInputs), range: -1...1,
                                                   asked: options.conditional ? scoreDigits : nil),
                              critic: true)
    }
}

// MARK: - 6. Outputs: pictures, charts and tables, woven into chapters/07-wasserstein-gan.md

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let notebook = Notebook(run: run, settings: settings)
    try notebook.gan(training, subject: "MNIST", status: status, critic: true) {  // charts, the epoch table
        _ = try pictures.final(fixedZ: fixedZ, epochs: epochCount, ends: walkEnds, steps: 10, perRow: rows)
    }
    try notebook.digitScore(training.history)
    try notebook.distanceBesideScore(training.history)         // the critic's estimate and the Fréchet distance
    try notebook.lipschitz(critic, constraint: constraint, penalty: wganStep.penalty)   // what keeps it 1-Lipschitz
    if options.conditional { notebook.askedFor(training.history) }                      // the digit G was asked for
    notebook.timing(trainingSeconds: training.trainingSeconds, samples: train.count * training.history.count,
                    unit: "real images (critic steps)", notebookSeconds: training.notebookSeconds)
    guard status.isFinished, let last = training.history.last else { return try notebook.write(status) }
    try notebook.finish(metrics: last.metrics.merging(last.wassersteinMetrics) { $1 },
                        pictures: ["samples.png", "interpolation.png"], data: train.fingerprint + "-" + test.fingerprint)
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
print("Done: \(training.history.count) epochs, \(formatDuration(training.trainingSeconds)) of training. Wrote "
      + "\(run.outputFolder.path)/report.html")
