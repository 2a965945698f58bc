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
import Foundation
import Workbook

// MARK: - 1. Configuration

enum Preset: String, ExpressibleByArgument, CaseIterable {
    case classic   // G 100-256-512-1024-784, D 784-1024-512-256-1 with dropout 0.3 (the Keras GAN introduction)
    case small     // G 100-32-64-128-784, D 784-128-64-32-1 with dropout 0.2, z ~ U(-1, 1) (a PyTorch MNIST GAN)
    case book      // z of 20, one hidden layer of 100 units in each network, dropout 0.5 (a hands-on GAN article)

    var generator: [Int] { [[100, 256, 512, 1024, 784], [100, 32, 64, 128, 784], [20, 100, 784]][index] }
    var discriminator: [Int] { [[784, 1024, 512, 256, 1], [784, 128, 64, 32, 1], [784, 100, 1]][index] }
    var dropout: Float { [0.3, 0.2, 0.5][index] }
    var latent: Latent { self == .small ? .uniform : .normal }
    var learningRate: Float { self == .small ? 0.002 : 2e-4 }
    var batchSize: Int { self == .classic ? 128 : 64 }
    var initializer: Initializer { self == .classic ? .normal(std: 0.02) : .pytorchDefault }
    var defaultEpochs: Int { [30, 50, 50][index] }
    private var index: Int { Self.allCases.firstIndex(of: self)! }
}

enum Latent: String, ExpressibleByArgument, CaseIterable {
    case normal    // z ~ N(0, 1)
    case uniform   // z ~ U(-1, 1)
}

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter03-gan",
        abstract: "Train a GAN whose generator learns to draw MNIST digits from random noise.")

    @Option(help: "The networks and settings of one of the tutorials.")
    var preset: Preset = .classic
    @Option(help: "Passes over the training set (default: 30 for classic, 50 for small and book).")
    var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Real images per step (default: the preset's, 128 or 64).")
    var batchSize: Int?
    @Option(name: .customLong("lr"), help: "Adam's learning rate for both networks (default: the preset's).")
    var learningRate: Float?
    @Option(help: "The distribution of z: normal or uniform (default: the preset's).")
    var latent: Latent?
    @Option(name: .customLong("real-label"), help: "D's target for real images: 0.9 is one-sided label smoothing, 1 turns it off.")
    var realLabel: Float = 0.9
    @Option(name: .customLong("d-dropout"), help: "Dropout after each hidden layer of D (default: the preset's).")
    var discriminatorDropout: Float?
    @Option(name: .customLong("d-steps"), help: "Discriminator steps per generator step (more: a stronger D).")
    var discriminatorSteps = 1
    @Flag(inversion: .prefixedNo, help: "Score 2,000 samples every epoch with a digit classifier (trained once, then cached).")
    var score = true
    @OptionGroup var gan: GANOptions
    @OptionGroup var run: RunOptions

    func validate() throws {
        try require((1...10_000).contains(epochs ?? 1), "--epochs must be between 1 and 10000 (got \(epochs ?? 0))")
        try require((1...60_000).contains(batchSize ?? 1), "--batch-size must be between 1 and 60000 (got \(batchSize ?? 0))")
        try require(learningRate.map { $0.isFinite && $0 > 0 && $0 < 1 } ?? true, "--lr must be a positive number below 1 (got \(learningRate ?? 0))")
        try require(realLabel.isFinite && realLabel > 0.5 && realLabel <= 1, "--real-label must be in (0.5, 1] (got \(realLabel))")
        try require(discriminatorDropout.map { $0 >= 0 && $0 < 1 } ?? true, "--d-dropout must be in [0, 1) (got \(discriminatorDropout ?? 0))")
        try require((1...10).contains(discriminatorSteps), "--d-steps must be between 1 and 10 (got \(discriminatorSteps))")
    }
}

let options = Options.parseOrExit()
let preset = options.preset
let generatorSizes = preset.generator, discriminatorSizes = preset.discriminator
let latentSize = generatorSizes[0]
let latent = options.latent ?? preset.latent
let batchSize = options.batchSize ?? preset.batchSize
let learningRate = options.learningRate ?? preset.learningRate
let dropout = options.discriminatorDropout ?? preset.dropout
let epochCount = options.epochs ?? preset.defaultEpochs
let realLabel = options.realLabel, discriminatorSteps = options.discriminatorSteps
let run = exitOnError { try Run(chapter: "chapter03-gan", options: options.run) }
let rng = RandomGenerator(seed: options.run.seed)

// MARK: - 2. Models
// Both are plain multilayer perceptrons. G ends in tanh, so its images lie in [-1, 1], the range
// the real digits are scaled to. D ends in a single logit: its probability that the input is real
// is sigmoid(logit), and the loss is computed from the logit directly (stable for any logit).

/// Linear layers of the given sizes with LeakyReLU(0.2) between them (and dropout, if any).
func perceptron(_ sizes: [Int], dropout: Float, last: Layer?) -> Sequential {
    var layers: [Layer] = []
    for i in 0..<(sizes.count - 1) {
        layers.append(Linear(sizes[i], sizes[i + 1], initializer: preset.initializer, rng: rng))
        if i < sizes.count - 2 {
            layers.append(LeakyReLU(slope: 0.2))
            if dropout > 0 { layers.append(Dropout(probability: dropout, rng: rng)) }
        }
    }
    if let last { layers.append(last) }
    return Sequential(layers)
}

let generator = perceptron(generatorSizes, dropout: 0, last: Tanh())                 // G: z [B, \(latentSize)] -> x̂ [B, 784]
let discriminator = perceptron(discriminatorSizes, dropout: dropout, last: nil)      // D: x [B, 784] -> logit [B, 1]
generator.needsInputGradient = false                                                  // z is noise: no gradient for it
let generatorOptimizer = Adam(generator.parameters, learningRate: learningRate, beta1: 0.5, beta2: 0.999)
let discriminatorOptimizer = Adam(discriminator.parameters, learningRate: learningRate, beta1: 0.5, beta2: 0.999)
let bce = BCEWithLogitsLoss()

/// Draws a batch of latent vectors z: [count, latentSize].
func sampleLatent(_ z: Tensor, count: Int, using random: RandomGenerator) {
    z.reshape(to: [count, latentSize])
    switch latent {
    case .normal: z.fillNormal(using: random)
    case .uniform: z.fillUniform(using: random, low: -1, high: 1)
    }
}

/// Runs G on `z` in evaluation mode and returns a copy of its images.
func draw(_ z: Tensor) -> Tensor {
    generator.setTraining(false)
    defer { generator.setTraining(true) }
    return Tensor(copying: generator.forward(z))
}

/// A grid of 28 x 28 digits from rows of a [N, 784] tensor in [-1, 1].
func grid(_ images: Tensor, count: Int, perRow: Int) -> Image {
    makeGrid((0..<min(count, images.rows)).map { Image(grayRow: $0, of: images, width: 28, height: 28, range: -1...1) }, perRow: perRow)
}

// Everything that must match for a checkpoint to continue this run.
let configuration: [String: String] = [
    "preset": preset.rawValue, "generator": generatorSizes.map(String.init).joined(separator: "-"),
    "discriminator": discriminatorSizes.map(String.init).joined(separator: "-"), "latent": latent.rawValue,
    "batch size": "\(batchSize)", "learning rate": "\(learningRate)", "real label": "\(realLabel)",
    "D dropout": "\(dropout)", "D steps": "\(discriminatorSteps)", "seed": "\(options.run.seed)",
    "limit": options.run.limit.map(String.init) ?? "none",
]

// MARK: - Generating only: --generate N

if let count = options.gan.generate {
    let file = options.gan.checkpoint.map { URL(fileURLWithPath: $0) } ?? run.output("checkpoint.bin")
    let saved = exitOnError {
        try GANTraining.loadGenerator(generator, from: file, configuration: configuration, mustMatch: ["generator", "latent", "preset"],
                                      hint: "pass the same --preset/--latent to draw from it")
    }
    let z = Tensor(shape: [0]), images = Tensor(shape: [count, 784])
    for start in stride(from: 0, to: count, by: 1000) {
        let n = min(1000, count - start)
        sampleLatent(z, count: n, using: rng)
        let batch = draw(z)
        (images.data + start * 784).update(from: batch.data, count: n * 784)
    }
    // 8-bit images in MNIST's own IDX format: any MNIST reader can load them.
    let bytes = (0..<images.count).map { UInt8(min(max(((images[$0] + 1) * 127.5).rounded(), 0), 255)) }
    let idx = run.output("generated-idx3-ubyte")
    exitOnError { try Data(IDXArray(dimensions: [count, 28, 28], bytes: bytes).encoded).write(to: idx, options: .atomic) }
    exitOnError { try PNG.write(grid(images, count: 100, perRow: 10), to: run.output("generated.png")) }
    print("Drew \(count) samples from \(file.path) (epoch \(saved.epoch)): \(idx.path) and generated.png (the first \(min(count, 100)))")
    exit(0)
}

// MARK: - 3. Data
// MNIST digits scaled from [0, 255] to [-1, 1], the range of G's tanh.

let fullTrain = exitOnError { try MNIST.load(.train, root: run.dataRoot) }
let train = fullTrain.prefix(options.run.limit)
let test = exitOnError { try MNIST.load(.test, root: run.dataRoot) }
print("MNIST: \(train.count) training images from \(run.dataRoot.path)")
print("G \(generatorSizes.map(String.init).joined(separator: "-")): \(generator.parameterCount) parameters; "
      + "D \(discriminatorSizes.map(String.init).joined(separator: "-")): \(discriminator.parameterCount) parameters")

// How varied 64 real digits are: the yardstick for the samples' variety (mode collapse).
let realSample = Tensor(shape: [0])
test.fill(realSample, with: 0..<min(64, test.count), range: -1...1)
let realVariety = meanPairwiseDistance(realSample)

// 64 latent vectors fixed for the whole run: the same z every epoch, so the grids show G learning.
let fixedZ = Tensor(shape: [0])
sampleLatent(fixedZ, count: 64, using: RandomGenerator(seed: options.run.seed &+ 7919))

// A number that moves: a digit classifier (appendix A, trained once on all 60,000 training digits
// and cached) judges 2,000 samples from fixed z every epoch. It has its own random numbers, so
// scoring changes nothing in the training run.
let scorer: DigitScorer? = !options.score ? nil : exitOnError {
    let (classifier, file, fresh) = try DigitClassifier.trained(on: fullTrain, cacheFolder: options.gan.cacheFolder)
    print("Digit classifier\(fresh ? " trained" : ""): \(fixed(100 * classifier.accuracy(on: test), 2))% right on the test digits"
          + (file.map { " (\(fresh ? "saved to" : "from") \($0.path))" } ?? ""))
    return DigitScorer(classifier: classifier, reference: test)
}
let scoreZ = Tensor(shape: [0])
sampleLatent(scoreZ, count: 2000, using: RandomGenerator(seed: options.run.seed &+ 31_337))

// MARK: - 4. The bookkeeping: history, charts, checkpoints, resuming, Ctrl-C (in Workbook/GANTraining.swift)

let training = GANTraining(run: run, generator: generator, discriminator: discriminator, generatorOptimizer: generatorOptimizer,
                           discriminatorOptimizer: discriminatorOptimizer, rng: rng, configuration: configuration,
                           examples: train.count, batchSize: batchSize, epochs: epochCount)
if options.gan.resume { exitOnError { try training.resume() } }

// MARK: - 5. Training: D and G take turns

let real = Tensor(shape: [0]), z = Tensor(shape: [0])
let realTargets = Tensor(shape: [0]), fakeTargets = Tensor(shape: [0]), generatorTargets = Tensor(shape: [0])

print("Training for epochs \(training.epochs), \(training.stepsPerEpoch) steps each (batch \(batchSize), z ~ \(latent.rawValue)) on \(run.threads) threads")
for epoch in training.epochs {
    for step in training.beginEpoch(epoch) {                                 // a new shuffled order every epoch
        let indices = training.batch(step)
        let b = indices.count
        realTargets.reshape(to: [b, 1]); realTargets.fill(realLabel)        // "real", smoothed to 0.9
        fakeTargets.reshape(to: [b, 1]); fakeTargets.fill(0)                // "fake"
        generatorTargets.reshape(to: [b, 1]); generatorTargets.fill(1)      // what G wants D to say

        // The discriminator's step: learn to tell real digits from G's. Its inputs are data (real
        // digits, and fakes it does not pass gradients back to), so it needs no input gradient.
        discriminator.isFrozen = false
        discriminator.needsInputGradient = false
        train.fill(real, with: indices, range: -1...1)                      // x: [B, 784]
        var dLoss = 0.0, realScore = 0.0, fakeScore = 0.0
        for _ in 0..<discriminatorSteps {
            discriminatorOptimizer.zeroGradients()
            let realLogits = discriminator.forward(real)                    // D(x), as logits [B, 1]
            realScore = meanProbability(realLogits)
            dLoss = Double(bce.forward(realLogits, realTargets))            // -log D(x), with the target 0.9
            _ = discriminator.backward(bce.backward())

            sampleLatent(z, count: b, using: rng)                            // z ~ N(0, 1): [B, 100]
            let fake = generator.forward(z)                                 // G(z): [B, 784]
            let fakeLogits = discriminator.forward(fake)
            fakeScore = meanProbability(fakeLogits)
            dLoss += Double(bce.forward(fakeLogits, fakeTargets))           // -log(1 - D(G(z)))
            _ = discriminator.backward(bce.backward())                      // G's weights are not touched here
            discriminatorOptimizer.step()
        }

        // The generator's step: learn to make D say "real". The gradient flows back through D
        // into G. D is frozen meanwhile: its weights stay put, and its weight gradients are skipped.
        discriminator.isFrozen = true
        discriminator.needsInputGradient = true
        generatorOptimizer.zeroGradients()
        sampleLatent(z, count: b, using: rng)
        let fake = generator.forward(z)
        let gLoss = Double(bce.forward(discriminator.forward(fake), generatorTargets))   // -log D(G(z)): non-saturating
        let imageGradient = discriminator.backward(bce.backward())          // dLoss/dG(z): [B, 784]
        _ = generator.backward(imageGradient)
        generatorOptimizer.step()

        // Running means, charts, progress; a stop on NaN; on Ctrl-C a checkpoint and exit.
        training.endStep(step, dLoss: dLoss, gLoss: gLoss, realScore: realScore, fakeScore: fakeScore)
    }

    // The same 64 z as every epoch: how does G draw them now?
    let samples = draw(fixedZ)
    exitOnError { try PNG.write(grid(samples, count: 64, perRow: 8), to: run.output(String(format: "epoch-%03d.png", epoch))) }
    var score: DigitScore?
    if let scorer {
        let result = scorer.score(draw(scoreZ), range: -1...1)
        for (key, value) in [("frechet", result.frechetDistance), ("confidence", result.meanConfidence),
                             ("rarest", result.rarestShare), ("common", result.commonShare)] {
            training.extraHistory["score.\(key)", default: []].append(value)
        }
        score = result
    }
    training.endEpoch(diversity: meanPairwiseDistance(samples) / realVariety,           // history, warnings, checkpoint
                      warnings: GANDiagnosis.pastEarlyBlur(epoch, stepsPerEpoch: training.stepsPerEpoch)
                          ? [score?.coverageWarning(epoch: epoch)].compactMap { $0 } : [])
    if let score {
        print("  digit score: Fréchet distance \(fixed(score.frechetDistance, 2)), confidence \(fixed(score.meanConfidence, 2)), "
              + "digits from \(fixed(100 * score.rarestShare, 1))% (\(score.rarestDigit)) to \(fixed(100 * score.commonShare, 1))% (\(score.commonDigit))")
    }
}

// MARK: - 6. Outputs

let final = draw(fixedZ)
exitOnError { try PNG.write(grid(final, count: 64, perRow: 8), to: run.output("samples.png")) }

// A progress strip: the first row of the grid at chosen epochs, one under another.
let stripEpochs = progressEpochs(upTo: epochCount)
if let strip = progressStrip(gridFiles: stripEpochs.map { run.output(String(format: "epoch-%03d.png", $0)) }, tileHeight: 28) {
    exitOnError { try PNG.write(strip, to: run.output("progress.png")) }
}

// Walking in latent space: 8 straight lines from one z to another, 10 steps each.
let interpolationRNG = RandomGenerator(seed: options.run.seed &+ 104_729)
let ends = Tensor(shape: [0]), path = Tensor(shape: [80, latentSize])
sampleLatent(ends, count: 16, using: interpolationRNG)
for line in 0..<8 {
    for step in 0..<10 {
        let t = Float(step) / 9
        for k in 0..<latentSize {
            path[line * 10 + step, k] = (1 - t) * ends[2 * line, k] + t * ends[2 * line + 1, k]   // z = (1 - t) z_a + t z_b
        }
    }
}
exitOnError { try PNG.write(grid(draw(path), count: 80, perRow: 10), to: run.output("interpolation.png")) }

let (lossChart, scoreChart) = training.charts(subject: "MNIST")
let lossFile = exitOnError { try lossChart.draw(into: run.outputFolder, name: "loss") }
let beliefFile = exitOnError { try scoreChart.draw(into: run.outputFolder, name: "scores") }
let varietyFile = exitOnError { try training.varietyChart().draw(into: run.outputFolder, name: "variety") }

var scoreFile: URL?, digitsFile: URL?
var finalScore: DigitScore?
if let scorer, let frechet = training.extraHistory["score.frechet"] {
    finalScore = scorer.score(draw(scoreZ), range: -1...1)
    let epochs = training.history.suffix(frechet.count).map { Double($0.epoch) }
    let chart = Chart(title: "Digit score: Fréchet distance to the test digits (lower is better)", xLabel: "epoch",
                      yLabel: "Fréchet distance of classifier features", series: [.init("2,000 samples", Array(zip(epochs, frechet)).map { (x: $0.0, y: $0.1) }, style: "linespoints")],
                      logScaleY: true)
    scoreFile = exitOnError { try chart.draw(into: run.outputFolder, name: "frechet") }
    var histogram = Chart(title: "Which digits G draws (2,000 samples, epoch \(training.history.last!.epoch))", xLabel: "digit",
                          yLabel: "share of the samples", series: [.init("samples", finalScore!.classShares.enumerated().map { (x: Double($0.offset), y: $0.element) }, style: "boxes fill solid 0.5"),
                                                                    .init("perfect coverage", [(x: -0.5, y: 0.1), (x: 9.5, y: 0.1)])])
    histogram.settings = ["set yrange [0:*]", "set xrange [-0.7:9.7]", "set xtics 1", "set boxwidth 0.8"]
    digitsFile = exitOnError { try histogram.draw(into: run.outputFolder, name: "digits") }
}

let history = training.history
let last = history.last!
let trainingSeconds = training.trainingSeconds
let report = Report(title: "Chapter 3: a GAN on MNIST (executed notebook)")
report.paragraph("""
    A generator G (\(generatorSizes.map(String.init).joined(separator: "-")), LeakyReLU 0.2, tanh output) learns to turn random \
    vectors z ~ \(latent == .normal ? "N(0, 1)" : "U(-1, 1)") into digits, against a discriminator D \
    (\(discriminatorSizes.map(String.init).joined(separator: "-")), LeakyReLU 0.2, dropout \(dropout), one logit) that learns to tell \
    them from real MNIST digits. Each step D trains on real digits (target \(realLabel)) and fakes (target 0), then G trains to make D \
    say "real". The text of this chapter is `chapters/03-gan.md`.
    """)
report.describe(run, configuration: [
    ("preset", preset.rawValue), ("epochs", "\(epochCount)"), ("batch size", "\(batchSize)"),
    ("optimisers", "Adam for G and D, lr \(learningRate), betas (0.5, 0.999)"),
    ("loss", "binary cross-entropy on D's logits; G uses the non-saturating loss"),
    ("real label", "\(realLabel)\(realLabel < 1 ? " (one-sided label smoothing)" : "")"), ("D steps per G step", "\(discriminatorSteps)"),
    ("parameters", "G \(generator.parameterCount), D \(discriminator.parameterCount)"), ("training images", "\(train.count)"),
])
report.ganSamples(epoch: last.epoch, stripEpochs: stripEpochs, walk: "G turns every point on the way into a digit.")
report.ganEpochs(history, warnings: training.latestWarnings, dLossMeaning: "the sum of its losses on real and fake images")
report.ganCharts(losses: lossFile, beliefs: beliefFile, variety: varietyFile)
if let finalScore, let frechet = training.extraHistory["score.frechet"] {
    report.heading("Digit score")
    report.paragraph("A digit classifier (appendix A, \(DigitClassifier.sizes.map(String.init).joined(separator: "-"))) judges 2,000 samples "
                     + "from fixed z after every epoch: the Fréchet distance between its penultimate features of the samples and of the "
                     + "10,000 test digits (lower is better; see `chapters/A-measuring-a-gan.md` for what the numbers mean), its mean "
                     + "confidence, and the shares of the rarest and the most common digit (10% each is perfect coverage).")
    let extra = training.extraHistory
    report.table(["epoch", "Fréchet distance", "confidence", "rarest digit", "most common digit"],
                 history.suffix(frechet.count).enumerated().map { i, e in
                     ["\(e.epoch)", fixed(frechet[i], 2), fixed(extra["score.confidence"]![i], 3),
                      "\(fixed(100 * extra["score.rarest"]![i], 1))%", "\(fixed(100 * extra["score.common"]![i], 1))%"]
                 })
    report.chart(scoreFile, heading: "Fréchet distance", caption: "Fréchet distance per epoch")
    report.paragraph("The final samples by digit:")
    report.table((0..<10).map(String.init), [finalScore.classShares.map { "\(fixed(100 * $0, 1))%" }])
    report.chart(digitsFile, heading: "Digits drawn", caption: "class histogram of the final samples")
}
report.epochPictures(history.map(\.epoch))
report.timing(run, trainingSeconds: trainingSeconds, samples: train.count * history.count, unit: "real images",
              ["checkpoint: `checkpoint.bin` (continue with `--resume --epochs N`; draw with `--generate N`)"])
var finalNumbers = ["D loss": last.discriminatorLoss, "G loss": last.generatorLoss, "D(x)": last.realScore, "D(G(z))": last.fakeScore,
                    "variety": last.diversity]
if let finalScore {
    finalNumbers["Fréchet distance"] = finalScore.frechetDistance
    finalNumbers["rarest digit share"] = finalScore.rarestShare
}
run.finish(report, configuration: configuration.merging(["epochs": "\(epochCount)"]) { a, _ in a }, metrics: finalNumbers,
           pictures: ["samples.png", "interpolation.png"])

print("Done: \(history.count) epochs, \(formatDuration(trainingSeconds)) of training. Wrote \(run.outputFolder.path)/: samples.png, progress.png, interpolation.png, epoch-*.png, charts, report.md, checkpoint.bin")
