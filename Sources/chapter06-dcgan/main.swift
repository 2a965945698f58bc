// Chapter 6: a deep convolutional GAN (DCGAN), on chapter 4's faces and on chapter 3's digits.
//
// Read it beside chapters/06-dcgan.md. The game is chapter 4's; the players are now convolutional networks
// (Models/DCGAN.swift), whose layers look at small patches with the same weights everywhere
// (Backprop/Layers/Convolution.swift).
//
//     swift run chapter06-dcgan --data-dir ../shared/data                    # faces, 64 x 64 colour
//     swift run chapter06-dcgan --dataset mnist --data-dir ../shared/data    # digits, padded to 32 x 32
//     swift run chapter06-dcgan --width 64                                   # the paper's width (4x the work)
//     swift run chapter06-dcgan --resume --epochs 100                        # continue from the checkpoint
//     swift run chapter06-dcgan --generate 100                               # draw faces from the trained G

import ArgumentParser
import Backprop
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

// celeba (64 x 64 colour faces) or mnist (digits padded to 32 x 32): Sources/Models/DCGAN.swift
typealias Dataset = DCGAN.Dataset
extension Dataset: ExpressibleByArgument {}

enum Defaults: TrainingDefaults {  // faces: 63 epochs of 5,000 faces make about 2,500 steps
    static let epochs = 63, batchSize = 128, learningRate: Float = 2e-4,
        epochsNote = " for 5,000 faces (about 2,500 steps); 5 for --dataset mnist"
}

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chapter06-dcgan",
        abstract: "Train a deep convolutional GAN (DCGAN) on 64x64 faces (CelebA) or on MNIST digits.")

    @Option(help: "The images: celeba (64x64 colour faces) or mnist (digits, padded to 32x32).")
    var dataset: Dataset = .celeba
    @Option(help: ArgumentHelp("The channels of the outermost stage (ngf = ndf), 1 to 256; the paper's is 64, 4x the work "
                               + "of 32.", valueName: "w"))
    var width = 32
    @OptionGroup var images: ImageFolderOptions
    @OptionGroup var scoring: ScoreOptions
    @Option(help: ArgumentHelp("The run shown beside this one (default: chapter 4's reference run for faces, chapter 3's "
                               + "for digits).", valueName: "folder"))
    var beside: String?
    @OptionGroup var common: GenerativeOptions<Defaults>   // --epochs, --lr, --resume, --generate, --seed, ...

    func validate() throws {
        try require((1...256).contains(width), "--width must be between 1 and 256 (got \(width))")
        try require(dataset == .celeba || images.folders.isEmpty,
                    "--images goes with --dataset celeba (MNIST is read from the data folder)")
        try require(beside.map { !$0.isEmpty } ?? true, "--beside needs a folder")
    }
}

let options = Options.parseOrExit()
let dataset = options.dataset, faces = dataset == .celeba
let networks = faces ? DCGAN.faces(width: options.width) : DCGAN.digits(width: options.width)   // Models/DCGAN.swift
let latentSize = networks.latentSize, side = networks.size, margin = (side - MNIST.side) / 2   // digits: 2 pixels of border
let batchSize = options.common.training.batchSizeOrDefault,
    learningRate = options.common.training.learningRateOrDefault, zoom = options.common.drawing.zoom ?? (faces ? 1 : 2)
let run = exitOnError { try Run(chapter: dataset.chapter, program: "chapter06-dcgan", options: options.common.run,
                                lock: !options.common.generation.isDrawing) }
let rng = RandomGenerator(seed: options.common.run.seed)

// MARK: - 2. Models
// G grows z, a 1 x 1 image of 100 channels, by transposed convolutions (4 x 4, stride 2) to 4, 8, 16, 32 (64) pixels,
// channels 8w, 4w, 2w, w, then 3 colours (1 gray) and tanh; D mirrors it with strided convolutions (Models/DCGAN.swift).
// G: z [B, 100] -> x̂ [B, C·S·S];  D: x [B, C·S·S] -> logit [B, 1]
let (generator, discriminator) = networks.networks(rng: rng)
// The step (Sources/Models/Steps/SameFakesGANStep.swift, which the text quotes and bench times): D's
// loss is the sum of its losses on real images and on fakes; then G learns from the same fakes.
let ganStep = SameFakesGANStep(generator: generator, discriminator: discriminator, learningRate: learningRate,
                               latentSize: latentSize, discriminatorLossWeight: 1, rng: rng)
let pictures = SamplePictures(run: run, generator: generator, layout: faces ? .rgb(side: side) : .gray(side: side),
                              zoom: zoom)

let folders = options.images.urls(default: run.dataRoot.appendingPathComponent("celeba"))
// The settings, declared once: what a checkpoint must match, the report's table, metrics.json.
var settings = Settings(["dataset": dataset.rawValue, "width": options.width, "generator": networks.generatorDescription,
                         "discriminator": networks.discriminatorDescription, "batch size": batchSize,
                         "learning rate": learningRate, "zoom": zoom], run: options.common.run)
if faces { settings.add(folders: folders) }  // by name in comparisons: the reference was made on another machine

// MARK: - Generating only: --generate N (digits in MNIST's own format, cropped back to 28 x 28)
if let count = options.common.generation.generate {
    exitOnError { print(try pictures.generate(count, from: options.common.generation.checkpointFile(run), as: "G",
                                              settings: settings.checkpoint, mustMatch: ["dataset", "width"],
                                              hint: "pass the --dataset and --width it was trained with", margin: margin)
                        { z, n in Latent.normal.sample(z, count: n, size: latentSize, using: rng) }) }
    exit(0)
}

// MARK: - 3. Data
// Faces as in chapter 4 (shorter side resized to 64, center crop, [-1, 1]); digits as in chapter 3,
// [-1, 1], with a border of 2 background pixels so that three halvings take 32 to 4.
let allDigits = faces ? nil : exitOnError { (try MNIST.load(.train, root: run.dataRoot),
                                              try MNIST.load(.test, root: run.dataRoot)) }
let images = exitOnError {
    try allDigits.map { TrainingImages(digits: $0.0.prefix(options.common.run.limit), test: $0.1, margin: margin) }
        ?? TrainingImages.faces(folders, side: side, limit: options.common.run.limit,
                                cacheFolder: options.common.cache.cacheFolder,
                                help: ImageFolder.howToGetCelebA(orElse: " Or train on digits: --dataset mnist."))
}
print("\(faces ? "Faces" : "MNIST, padded to 32x32"): \(images.count) images; "
      + "G \(generator.parameterCount), D \(discriminator.parameterCount) weights")
let stepsPerEpoch = (images.count + batchSize - 1) / batchSize
let epochCount = options.common.training.epochsOrDefault(preferred: dataset.defaultEpochs, steps: 2500,
                                                        stepsPerEpoch: stepsPerEpoch)
settings.add("epochs", "\(epochCount)", changeable: true)

let realVariety = exitOnError { try pictures.real(images) }           // 64 real images, and how varied they are

// Fixed latent vectors: 64 for the grids, 2 x 6 ends of latent walks (8 steps each), 2,000 to score digits.
let (fixedZ, ends) = Latent.normal.fixed(size: latentSize, walks: 6, seed: options.common.run.seed),
    scoreZ = Tensor(shape: [0])
let scorer = faces || !options.scoring.score ? nil : exitOnError {
    try DigitScorer.prepared(train: allDigits!.0, test: allDigits!.1, cacheFolder: options.common.cache.cacheFolder)
}
if scorer != nil {
    Latent.normal.sample(scoreZ, count: 2000, size: latentSize,
                         using: RandomGenerator(seed: options.common.run.seed &+ 31_337))
}

// MARK: - 4. The bookkeeping: history, charts, checkpoints (with BatchNorm's running averages), resuming, Ctrl-C
let training = GANTraining(run: run, rng: rng, configuration: settings.checkpoint, step: ganStep,
                           examples: images.count, batchSize: batchSize, epochs: epochCount)

// MARK: - 5. Training: D and G take turns (the PyTorch DCGAN example's step)
exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    // --resume continues the saved run; the notebook (section 6) is written after every epoch
    try training.train(ganStep, resuming: options.common.training.resume, notebook: writeNotebook,
                       batches: { real, indices in images.fill(real, with: indices) }) { epoch in
        // The same 64 z as every epoch, drawn with BatchNorm's running averages (evaluation mode).
        let samples = try pictures.epochGrid(fixedZ, epoch: epoch)
        let score = scorer.map {   // digits scored at 28 x 28, as MNIST's
            $0.score(cropImages(draw(generator, scoreZ, chunk: 250), side: side, margin: margin), range: -1...1)
        }
        try training.endEpoch(diversity: meanPairwiseDistance(samples) / realVariety, score: score)
    }
}

// MARK: - 6. Outputs: pictures, charts and tables, woven into chapters/06-dcgan.md

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let notebook = Notebook(run: run, settings: settings)
    if let faces = images.faces { notebook.imageFolder(faces, decodeSeconds: images.decodeSeconds) }
    try notebook.gan(training, subject: faces ? "faces" : "MNIST", status: status) {  // charts, the epoch table
        _ = try pictures.final(fixedZ: fixedZ, epochs: epochCount, ends: ends, steps: 8)   // samples, strip, walk
    }
    try notebook.digitScore(training.history, drawer: "the DCGAN")
    notebook.timing(trainingSeconds: training.trainingSeconds, samples: images.count * training.history.count,
                    unit: faces ? "real faces" : "real digits", notebookSeconds: training.notebookSeconds)
    guard status.isFinished, let last = training.history.last else { return try notebook.write(status) }
    besideThePerceptrons(in: notebook)
    let extra = ["examples": Double(images.count), "seconds per step": training.secondsPerStep]
    let metrics = last.metrics.merging(extra) { $1 }
    try notebook.finish(metrics: metrics, pictures: ["samples.png", "interpolation.png"], data: images.fingerprint)
}

/// This DCGAN beside the perceptron GAN of chapter 4 (faces) or 3 (digits): sizes, steps, time and
/// quality in a table, and the first rows of both runs' samples in `beside.png`.
func besideThePerceptrons(in notebook: Notebook) {
    let folder = URL(fileURLWithPath: options.beside ?? dataset.besideReference), chapter = faces ? 4 : 3
    guard let theirs = try? RunMetrics(contentsOf: folder) else {
        return notebook.missingRun("beside", "Beside", folder: folder.path, flag: "--beside")
    }
    let mlp = faces ? MLPGAN.faces : MLPGAN.digits
    notebook.beside(folder, theirs, title: "Beside chapter \(chapter)'s perceptron GAN",
                    columns: ["", "chapter \(chapter) (perceptrons, reference run)", "this DCGAN (width \(options.width))"],
                    weights: ((mlp.generatorParameters, mlp.discriminatorParameters),
                              (generator.parameterCount, discriminator.parameterCount)),
                    training: training, digits: !faces)
    _ = pictures.beside(folder, draw(generator, fixedZ), rows: faces ? 4 : 2, name: "beside.png",
                        cropTo: faces ? nil : MNIST.side)   // digits at 28 x 28
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
print("Done: \(training.history.count) epochs, \(formatDuration(training.trainingSeconds)) of training. "
      + "Wrote \(run.outputFolder.path)/report.html")
