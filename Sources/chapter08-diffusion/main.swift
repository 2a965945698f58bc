// Chapter 8: a diffusion model (Ho, Jain and Abbeel 2020) on MNIST: chapter 2's denoising autoencoder, asked
// to remove a little noise at every noise level, then run backwards from pure noise to a digit.
//
// Read it beside chapters/08-diffusion.md. The network is a small U-Net (Models/Diffusion/UNet.swift);
// the step is Models/Steps/DiffusionStep.swift; sampling is Models/Diffusion/Sampling.swift.
//
//     swift run chapter08-diffusion --data-dir ../shared/data
//     swift run chapter08-diffusion --sampler ancestral           # all 1,000 steps to draw, as the paper does
//     swift run chapter08-diffusion --conditional --guidance 2    # ask for a digit; classifier-free guidance
//     swift run chapter08-diffusion --resume --epochs 10          # continue from the checkpoint
//     swift run chapter08-diffusion --generate 1000               # draw digits from the trained model

import ArgumentParser
import Backprop
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

enum Defaults: TrainingDefaults { static let epochs = 5, batchSize = 64, learningRate: Float = 1e-3 }
typealias Schedule = NoiseSchedule.Kind
typealias Sampler = DiffusionSampler.Method
extension Schedule: ExpressibleByArgument {}
extension Sampler: ExpressibleByArgument {}

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chapter08-diffusion",
        abstract: "Train a diffusion model (a U-Net that predicts noise) on MNIST digits, then draw digits from noise.")

    @Option(help: ArgumentHelp("The U-Net's first-stage channels c (8 to 128, a multiple of 8).", valueName: "c"))
    var width = 32
    @Option(help: "The noise schedule: linear (the paper's) or cosine.")
    var schedule: Schedule = .linear
    @Option(help: ArgumentHelp("The steps T of the noising process, 10 to 4000.", valueName: "T"))
    var steps = 1000
    @Option(help: "How to draw: ddim (a few deterministic steps) or ancestral (all T steps, fresh noise at each).")
    var sampler: Sampler = .ddim
    @Option(name: .customLong("sampling-steps"), help: ArgumentHelp("DDIM's steps, 1 to T (default: 50, or T if fewer).",
                                                                     valueName: "n"))
    var samplingSteps: Int?
    @Flag(inversion: .prefixedNo, help: "Keep the clean estimate x̂_0 in [-1, 1] at every sampling step.")
    var clip = true
    @Flag(help: "Tell the network the digit (dropped 10% of the time): samples can then be asked for by digit.")
    var conditional = false
    @Option(parsing: .unconditional,   // "--guidance -1" is read as a number, and refused as one
            help: ArgumentHelp("Classifier-free guidance's weight w, 0 to 20 (--conditional).", valueName: "w"))
    var guidance: Float = 0
    @OptionGroup var scoring: ScoreOptions
    @Option(name: .customLong("score-every"), help: ArgumentHelp("Score every n-th epoch as well as the last (each score "
            + "draws 2,000 digits: minutes).", valueName: "n"))
    var scoreEvery: Int?
    @Option(help: ArgumentHelp("The folder of the reference runs the four ways are read from (default: the "
                               + "workbook's output/reference).", valueName: "folder"))
    var references: String?
    @OptionGroup var common: GenerativeOptions<Defaults>   // --epochs, --lr, --resume, --generate, --seed, ...

    func validate() throws {
        try require((8...128).contains(width) && width % 8 == 0, "--width must be a multiple of 8, 8 to 128 (got \(width))")
        try require((10...4000).contains(steps), "--steps must be between 10 and 4000 (got \(steps))")
        try require(samplingSteps.map { (1...steps).contains($0) } ?? true,
                    "--sampling-steps must be between 1 and --steps (\(steps))")
        try require(guidance.isFinite && (0...20).contains(guidance), "--guidance must be between 0 and 20")
        try require(scoreEvery.map { $0 >= 1 } ?? true, "--score-every must be at least 1")
        try require(guidance == 0 || conditional, "--guidance needs --conditional: it mixes asking for a digit with not")
    }
}

let options = Options.parseOrExit()
let batchSize = options.common.training.batchSizeOrDefault, learningRate = options.common.training.learningRateOrDefault,
    epochCount = options.common.training.epochsOrDefault, zoom = options.common.drawing.zoom ?? 2
let side = 32, margin = 2, conditional = options.conditional   // digits padded to 32 x 32: two halvings to 8
let run = exitOnError { try Run(chapter: "chapter08-diffusion" + (conditional ? "-conditional" : ""),
                                program: "chapter08-diffusion", options: options.common.run,
                                lock: !options.common.generation.isDrawing) }
let rng = RandomGenerator(seed: options.common.run.seed)

// MARK: - 2. Model: the noise predictor ε̂(x_t, t), its step, and the sampler that runs it backwards
// x_t [B, 32·32] and t -> U-Net (32 -> 16 -> 8 -> 16 -> 32, skips joined) -> ε̂ [B, 32·32]
let schedule = NoiseSchedule(options.schedule, steps: options.steps)               // β_t and ᾱ_t
let unet = UNet(side: side, channels: options.width, conditional: conditional, rng: rng)
let diffusionStep = DiffusionStep(network: unet, schedule: schedule, learningRate: learningRate, rng: rng)
let sampler = DiffusionSampler(network: unet, schedule: schedule, average: diffusionStep.average,
                               method: options.sampler, ddimSteps: options.samplingSteps ?? min(50, options.steps),
                               guidance: options.guidance, seed: options.common.run.seed &+ 65_537)
sampler.clip = options.clip ? -1...1 : nil
let pictures = SamplePictures(run: run, generator: sampler, layout: .gray(side: side), zoom: zoom)
let settings = Settings(["width": options.width, "schedule": options.schedule.rawValue, "steps": options.steps,
                         "conditional": conditional, "sampler": options.sampler.rawValue,
                         "sampling steps": sampler.ddimSteps, "clip": options.clip, "guidance": options.guidance,
                         "batch size": batchSize, "learning rate": learningRate, "epochs": epochCount, "zoom": zoom],
                        changeable: ["epochs", "zoom", "sampler", "sampling steps", "clip", "guidance"], run: options.common.run)

/// The sampler's inputs: x_T ~ N(0, 1) [N, 32·32], and (conditional) the digits asked, one-hot after it.
func noise(_ count: Int, seed: UInt64, digits: [Int]? = nil) -> Tensor {
    let x = Tensor(shape: [count, side * side])
    x.fillNormal(using: RandomGenerator(seed: seed))
    guard conditional else { return x }
    let labels = Tensor(shape: [0])
    oneHot(digits ?? (0..<count).map { $0 % 10 }, classes: 10, into: labels)
    return Tensor(copying: JoinColumns().forward(x, labels))
}

// MARK: - Generating only: --generate N (conditional: the digits 0, 1, ..., 9 in turn)
if let count = options.common.generation.generate {
    exitOnError { print(try pictures.generate(count, from: options.common.generation.checkpointFile(run), as: "average",
                                              settings: settings.checkpoint, mustMatch: ["width", "steps", "conditional"],
                                              hint: "pass the --width, --steps (and --conditional) it was trained with",
                                              margin: margin) { x, n in x.copy(from: noise(n, seed: rng.next())) }) }
    exit(0)
}

// MARK: - 3. Data: MNIST in [-1, 1] with a border of 2 background pixels (32 x 32), as chapter 6's digits
let (fullTrain, test) = exitOnError { (try MNIST.load(.train, root: run.dataRoot), try MNIST.load(.test, root: run.dataRoot)) }
let images = TrainingImages(digits: fullTrain.prefix(options.common.run.limit), test: test, margin: margin)
print("MNIST, padded to 32x32: \(images.count) images; U-Net \(unet.parameterCount) weights; T = \(schedule.steps) "
      + "(\(options.schedule.rawValue)); drawing by \(sampler.description)")
try? pictures.forwardProcess(pickRows(Array(0..<6), of: images.realSample()), schedule: schedule,
                             steps: [0, 20, 50, 100, 150, 200, 300, 400, 500, 700, 1000].map { $0 * schedule.steps / 1000 },
                             seed: options.common.run.seed &+ 4242)

// Fixed inputs: 64 x_T for the grids (conditional: a row per digit), 8 for the denoising strip, 2,000 to score.
let gridDigits = (0..<80).map { $0 / 8 }, perRow = 8
let fixedNoise = noise(conditional ? 80 : 64, seed: options.common.run.seed &+ 7919, digits: gridDigits)
let stripNoise = noise(8, seed: options.common.run.seed &+ 104_729)
let scoreDigits = (0..<2000).map { $0 % 10 }, scoreNoise = noise(2000, seed: options.common.run.seed &+ 31_337)
let scorer = !options.scoring.score ? nil : exitOnError {
    try DigitScorer.prepared(train: fullTrain, test: test, cacheFolder: options.common.cache.cacheFolder)
}

// MARK: - 4. The bookkeeping: history, charts, checkpoints (the average too), resuming, Ctrl-C (Workbook/Training/)
let training = DiffusionTraining(run: run, rng: rng, configuration: settings.checkpoint, step: diffusionStep,
                                 sampler: sampler, examples: images.count, batchSize: batchSize, epochs: epochCount)
exitOnError { try training.begin(resuming: options.common.training.resume, notebook: writeNotebook) }

// MARK: - 5. Training: pick t, add noise, predict it (Models/Steps/DiffusionStep.swift)
let x0 = Tensor(shape: [0]), labels = Tensor(shape: [0])
exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    for epoch in training.epochsToTrain {
        for step in training.beginEpoch(epoch) {                  // a new shuffled order every epoch
            let indices = training.batch(step)
            images.fill(x0, with: indices)                        // x_0: [B, 32·32] in [-1, 1]
            if conditional { images.digits!.fillOneHotLabels(labels, with: indices) }   // y: [B, 10]
            let loss = diffusionStep(images: x0, labels: conditional ? labels : nil)    // mean (ε̂ − ε)²
            try training.endStep(step, TrainingLoss(loss))
        }
        // Samples with the averaged weights: the grid, then 2,000 scored at 28 x 28 as MNIST's
        let start = Date()
        try pictures.epochGrid(fixedNoise, epoch: epoch, perRow: perRow)
        let scoreNow = epoch == epochCount || options.scoreEvery.map { epoch % $0 == 0 } ?? false
        let score = scorer.flatMap { scorer in scoreNow ? scorer : nil }.map {
            $0.score(cropImages(draw(sampler, scoreNoise, chunk: 200), side: side, margin: margin), range: -1...1,
                     asked: conditional ? scoreDigits : nil)
        }
        try training.endEpoch(score: score, samplingSeconds: Date().timeIntervalSince(start))
    }
}

// MARK: - 6. Outputs: pictures, charts and tables, woven into chapters/08-diffusion.md

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let history = training.history
    let notebook = Notebook(run: run, settings: settings)
    notebook.picture("forward", "The forward process", "forward.png", caption: "digits dissolving into noise")
    try notebook.noiseSchedules(steps: schedule.steps, chosen: options.schedule)
    notebook.table("epochs", "Training, epoch by epoch",
                   ["epoch", "loss (mean squared error of ε̂)", "seconds", "sampling seconds"],
                   history.map { ["\($0.epoch)", fixed($0.loss, 4), fixed($0.seconds, 1), fixed($0.samplingSeconds, 1)] })
    notebook.chart("loss", "The loss", try training.lossChart.draw(into: run.outputFolder, name: "loss"),
                   caption: "the training loss")
    notebook.epochPictures(history.map(\.epoch))
    try notebook.digitScore(history, drawer: "the diffusion model")
    if conditional { notebook.askedFor(history, drawer: "the model") }
    notebook.timing(trainingSeconds: training.trainingSeconds, samples: images.count * history.count,
                    unit: "real digits", notebookSeconds: training.notebookSeconds)
    guard let last = history.last else { return try notebook.write(status) }
    guard status.isFinished else {
        notebook.latestGrid(for: "samples.png", epoch: last.epoch, caption: "samples from fixed noise")
        return try notebook.write(status)
    }
    let samples = try pictures.final(fixedZ: fixedNoise, epochs: epochCount, perRow: perRow).samples   // and progress
    let shown = try pictures.denoising(sampler, from: stripNoise, columns: 11)
    notebook.add("denoising", "From noise to digits", "![8 samples on their way](denoising.png)\n\nColumns: t = "
                 + shown.map(String.init).joined(separator: ", ") + " (the digit).")
    let this = DigitGenerator(name: "this diffusion model (\(sampler.description))",
                              folder: nil) { _ = draw(sampler, noise(64, seed: 5)) }
    let references = options.references.map { URL(fileURLWithPath: $0) } ?? Repository.current.referenceFolder
    try notebook.fourWays(DigitGenerator.earlierChapters(reference: references), this: this, score: last.score,
                          trainingSeconds: training.trainingSeconds, samples: samples, pictures: pictures)
    try notebook.finish(metrics: last.metrics.merging(["seconds per step": training.secondsPerStep]) { $1 },
                        pictures: ["samples.png", "denoising.png"], data: images.fingerprint)
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
print("Done: \(training.history.count) epochs, \(formatDuration(training.trainingSeconds)) of training. Wrote "
      + "\(run.outputFolder.path)/report.html")
