// Chapter 5: a variational autoencoder on MNIST, the autoencoder that generates. Read it beside
// chapters/05-variational-autoencoder.md. The encoder gives each digit a distribution of codes,
// N(μ, σ²); the decoder learns from samples of it; a second loss term keeps those distributions
// close to N(0, 1), so that afterwards any z ~ N(0, 1) decodes to a digit.
//
//     swift run chapter05-variational-autoencoder --data-dir ../shared/data
//     swift run chapter05-variational-autoencoder --latent 2        # a code of 2 numbers: draw the whole map
//     swift run chapter05-variational-autoencoder --conditional     # tell it the digit: one row of samples per digit
//     swift run chapter05-variational-autoencoder --generate 1000 \
//         --checkpoint output/chapter05-variational-autoencoder/checkpoint.bin

import ArgumentParser
import Backprop
import ExerciseChecker
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

enum Defaults: TrainingDefaults { static let epochs = 10, batchSize = 128, learningRate: Float = 1e-3 }

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chapter05-variational-autoencoder",
        abstract: "Train a variational autoencoder on MNIST, then draw new digits from random codes.")

    @Option(help: ArgumentHelp("The size Z of the code z (1 to 100; 2 draws the map of all codes).", valueName: "Z"))
    var latent = 20
    @Option(
        parsing: .unconditional,  // so that "--beta -1" is read as a number, and refused as one
        help: ArgumentHelp("The weight of the KL term (0 to 100; 1 is the VAE, other values a β-VAE).", valueName: "β"))
    var beta: Float = 1
    @Flag(help: "Give both halves the digit's label (a conditional VAE): samples can then be asked for by digit.")
    var conditional = false
    @OptionGroup var scoring: ScoreOptions
    @Option(name: .customLong("gan-reference"),
            help: ArgumentHelp("Chapter 3's reference run, shown beside this one.", valueName: "folder"))
    var ganReference = "output/reference/chapter03-gan"
    @OptionGroup var common: GenerativeOptions<Defaults>   // --epochs, --lr, --resume, --generate, --seed, ...
    @OptionGroup var mine: MineOptions                      // --mine: train with your answers (Sources/Exercises)

    func validate() throws {
        try require((1...100).contains(latent), "--latent must be between 1 and 100 (got \(latent))")
        try require(beta.isFinite && beta >= 0 && beta <= 100, "--beta must be between 0 and 100 (got \(beta))")
    }
}

let options = Options.parseOrExit()
let latentSize = options.latent, beta = options.beta, conditional = options.conditional
let epochs = options.common.training.epochsOrDefault, batchSize = options.common.training.batchSizeOrDefault,
    learningRate = options.common.training.learningRateOrDefault
let zoom = options.common.drawing.zoom ?? 2  // pictures drawn twice as large, pixel for pixel
let run = exitOnError { try Run(chapter: "chapter05-variational-autoencoder", options: options.common.run,
                                lock: !options.common.generation.isDrawing) }
let rng = RandomGenerator(seed: options.common.run.seed)  // the one source of randomness: same seed, same run

// MARK: - 2. Model
// encoder 784-400 (ReLU), two heads 400-Z for μ and log σ², z = μ + σ·ε, decoder Z-400-784 (ReLU,
// then logits; the picture is their sigmoid). Written out in Sources/Models/VariationalAutoencoder.swift.

// --mine: your answers to this chapter's exercises (Sources/Exercises) in place of the library's parts
let yours = exitOnError {
    try YourAnswers(options.mine, candidates: ["reparameterize-backward", "kl-gradient", "adam-update"])
}
let vae = VariationalAutoencoder(latentSize: latentSize, conditional: conditional, sampler: yours.sampler(rng: rng), rng: rng)
let optimizer = yours.optimizer(Adam(vae.parameters, learningRate: learningRate))
// The step: its forward and backward passes are written out in Sources/Models/Steps/VAEStep.swift
// (the text quotes them), where bench times the very same function.
let vaeStep = VAEStep(vae: vae, optimizer: optimizer, beta: beta, kl: yours.klDivergence())
let pictures = SamplePictures(run: run, generator: vae.generator, layout: .gray(side: 28), zoom: zoom, range: 0...1)

// The settings, declared once: what a checkpoint must match, the report's table, metrics.json.
let settings = Settings(["latent": latentSize, "beta": beta, "conditional": conditional, "batch size": batchSize,
                         "learning rate": learningRate, "epochs": epochs, "zoom": zoom], run: options.common.run)

// MARK: - Generating only: --generate N (with --conditional, the digits 0, 1, ..., 9 in turn)
if let count = options.common.generation.generate {
    exitOnError { print(try pictures.generate(count, from: options.common.generation.checkpointFile(run), as: "decoder",
                                              settings: settings.checkpoint, mustMatch: ["latent", "conditional"],
                                              hint: "pass the same --latent (and --conditional) to draw from it")
                        { z, n in vae.codes(z, count: n, using: rng) }) }
    exit(0)
}

// MARK: - 3. Data
// MNIST digits scaled to [0, 1]: each pixel is read as the probability that it is ink, which is what the
// binary cross-entropy compares the decoder's output with.
let (fullTrain, fullTest) = exitOnError { (try MNIST.load(.train, root: run.dataRoot),
                                           try MNIST.load(.test, root: run.dataRoot)) }
let train = fullTrain.prefix(options.common.run.limit), test = fullTest.prefix(options.common.run.limit)
print("MNIST: \(train.count) training and \(test.count) test images from \(run.shownDataRoot)")
print("VAE \(vae.sizes): \(vae.parameterCount) parameters; β = \(beta)" + (conditional ? "; conditional on the digit" : ""))

let shownDigits = test.examplesOfEachDigit(2)   // reconstructed in every report: two of each digit

// The codes of every epoch's grid (64; with --conditional 8 codes each drawn as every digit), and
// the ends of 8 straight walks between codes (the same digit at both ends).
let fixedZ = Tensor(shape: [0]), ends = Tensor(shape: [0])
vae.gridCodes(fixedZ, using: RandomGenerator(seed: options.common.run.seed &+ 7919))
vae.codes(ends, count: 16, using: RandomGenerator(seed: options.common.run.seed &+ 104_729)) { $0 / 2 }

// The digit score (appendix A's classifier) of 2,000 samples from fixed codes, every epoch.
let scorer = options.scoring.score ? exitOnError {
    try DigitScorer.prepared(train: fullTrain, test: fullTest, cacheFolder: options.common.cache.cacheFolder)
} : nil
let scoreZ = Tensor(shape: [0])
vae.codes(scoreZ, count: 2000, using: RandomGenerator(seed: options.common.run.seed &+ 31_337))

// MARK: - 4. The bookkeeping: history, charts, checkpoints, resuming, Ctrl-C (Workbook/Training/)
let training = VAETraining(run: run, rng: rng, configuration: settings.checkpoint, parts: vae.parts,
                           optimizer: optimizer, examples: train.count, batchSize: batchSize, epochs: epochs)
exitOnError { try training.begin(resuming: options.common.training.resume, notebook: writeNotebook) }

// MARK: - 5. Training

/// The loss on the test digits, in nats per image, as in training: one sampled z per image. The noise has its own
/// generator, the same every epoch, so epochs compare fairly and the training run's random numbers are not touched.
func testLoss() -> VAELoss {
    let sampler = Reparameterize(rng: RandomGenerator(seed: options.common.run.seed &+ 271_828))
    let (reconstruction, divergence) = vae.summedLoss(count: test.count, sampler: sampler) { indices, x, labels in
        test.fill(x, with: indices)
        test.fillOneHotLabels(labels, with: indices)
    }
    let n = Double(max(test.count, 1))
    return VAELoss(reconstruction: reconstruction / n, divergence: divergence / n,
                   loss: (reconstruction + Double(beta) * divergence) / n)
}

let x = Tensor(shape: [0]), labels = Tensor(shape: [0])
exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    for epoch in training.epochsToTrain {
        for step in training.beginEpoch(epoch) {                  // a new shuffled order every epoch
            let indices = training.batch(step)
            train.fill(x, with: indices)                          // x: [B, 784] in [0, 1]
            train.fillOneHotLabels(labels, with: indices)         // y: [B, 10] (read only with --conditional)

            let loss = vaeStep(images: x, labels: labels)        // forward, the loss, backward, one optimiser step
            try training.endStep(step, loss, weight: Double(indices.count))
        }
        try pictures.epochGrid(fixedZ, epoch: epoch)                                  // the same codes every epoch
        try training.endEpoch(test: testLoss(), score: scorer?.score(draw(vae.generator, scoreZ), range: 0...1))
    }
}

// MARK: - 6. Outputs: pictures, charts and tables, woven into chapters/05-variational-autoencoder.md

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let history = training.history
    let notebook = Notebook(run: run, settings: settings)
    notebook.table("epochs", "Training, epoch by epoch",
        ["epoch", "training loss", "test loss", "test reconstruction", "test KL", "seconds"],
        history.map { ["\($0.epoch)", fixed($0.training.loss, 2), fixed($0.test.loss, 2),
                       fixed($0.test.reconstruction, 2), fixed($0.test.divergence, 2), fixed($0.seconds, 1)] })
    notebook.epochPictures(history.map(\.epoch))
    yours.record(in: notebook)   // which parts were yours (with --mine)
    _ = try training.lossChart(beta: beta).draw(into: run.outputFolder, name: "loss")
    try notebook.digitScore(history, drawer: "the VAE")
    guard let last = history.last else { return try notebook.write(status) }

    // Test digits decoded from z = μ, their codes' centres.
    try pictures.reconstructions(of: test, shownDigits) { x, labels in vae.reconstruct(x, labels: labels) }
    if latentSize == 2 && !conditional {  // the whole map of codes, and where the digits lie
        let codes = vae.means(test.images(0..<min(5000, test.count)))
        try notebook.latentMap(pictures, codes: codes) { Int(test.labels[$0]) }
    }
    notebook.timing(trainingSeconds: training.trainingSeconds, samples: train.count * history.count,
                    notebookSeconds: training.notebookSeconds)
    guard status.isFinished else {
        notebook.latestGrid(for: "samples.png", epoch: last.epoch, caption: "samples from fixed codes")
        return try notebook.write(status)
    }
    // The samples, the progress strip and the latent walk.
    _ = try pictures.final(fixedZ: fixedZ, epochs: epochs, ends: ends, steps: 10)
    besideTheGAN(last, in: notebook)
    try notebook.finish(metrics: last.metrics, pictures: ["samples.png", "reconstructions.png"],
                        data: train.fingerprint + "-" + test.fingerprint)
}

/// Chapter 3's reference run beside this one: the same yardstick, and two rows of samples each (`beside-gan.png`).
func besideTheGAN(_ last: VAEEpoch, in notebook: Notebook) {
    let folder = URL(fileURLWithPath: options.ganReference), title = "Beside chapter 3's GAN"
    guard let gan = try? RunMetrics(contentsOf: folder) else {
        return notebook.missingRun("beside the GAN", title, folder: options.ganReference, flag: "--gan-reference")
    }
    notebook.table("beside the GAN", title,
                   ["", "chapter 3's GAN (reference run, \(gan.configuration["epochs"] ?? "?") epochs)",
                    "this VAE (epoch \(last.epoch))"], digitScoreRows(theirs: gan, mine: last.score))
    _ = pictures.beside(folder, draw(vae.generator, fixedZ), rows: 2, name: "beside-gan.png")
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
print("Final test loss \(fixed(training.history.last!.test.loss, 2)) nats per image; "
      + "wall time \(formatDuration(run.elapsed)). Wrote \(run.outputFolder.path)/report.html")
