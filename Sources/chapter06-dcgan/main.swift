// Chapter 6: a deep convolutional GAN (DCGAN), on chapter 4's faces and on chapter 3's digits.
//
// Read this file beside chapters/06-dcgan.md. The game is chapter 4's; the players change: G and D
// are now convolutional networks (Sources/Models/DCGAN.swift), whose layers look at small patches
// and use the same weights at every position of the image (Sources/Backprop/Layers/Convolution.swift).
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

enum Dataset: String, ExpressibleByArgument, CaseIterable {
    case celeba   // 64 x 64 colour faces, from the same folders and cache as chapter 4
    case mnist    // MNIST digits padded to 32 x 32 (one stage fewer), as chapter 3's

    var chapter: String { self == .celeba ? "chapter06-dcgan" : "chapter06-dcgan-mnist" }
    /// The run this one is put beside: chapter 4's perceptron GAN on the same faces, or chapter 3's on the digits.
    var besideReference: String { self == .celeba ? "output/reference/chapter04-celeba-gan" : "output/reference/chapter03-gan" }
    var defaultEpochs: Int? { self == .celeba ? nil : 5 }   // faces: as many as make about 2,500 steps
}

enum Defaults: TrainingDefaults {
    static let epochs = 63, batchSize = 128, learningRate: Float = 2e-4
    static let epochsNote = " for 5,000 faces (about 2,500 steps); 5 for --dataset mnist"
}

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter06-dcgan",
        abstract: "Train a deep convolutional GAN (DCGAN) on 64x64 faces (CelebA) or on MNIST digits.")

    @Option(help: "The images: celeba (64x64 colour faces) or mnist (digits, padded to 32x32).")
    var dataset: Dataset = .celeba
    @Option(help: ArgumentHelp("The channels of the outermost stage (ngf = ndf), 1 to 256; the paper's is 64, 4x the work of 32.",
                               valueName: "w"))
    var width = 32
    @Option(name: .customLong("images"), help: ArgumentHelp(
        "A folder of face images (.jpg/.jpeg/.png, searched recursively); repeat for several (default: celeba/ in the data folder).",
        valueName: "folder"))
    var imageFolders: [String] = []
    @Flag(inversion: .prefixedNo, help: "With --dataset mnist: score 2,000 samples every epoch with the digit classifier of appendix A.")
    var score = true
    @Option(help: ArgumentHelp("The run shown beside this one (default: chapter 4's reference run for faces, chapter 3's for digits).",
                               valueName: "folder"))
    var beside: String?
    @OptionGroup var training: TrainingOptions<Defaults>
    @OptionGroup var generation: GenerateOptions
    @OptionGroup var cache: CacheOptions
    @OptionGroup var drawing: PictureOptions
    @OptionGroup var run: RunOptions

    func validate() throws {
        try require((1...256).contains(width), "--width must be between 1 and 256 (got \(width))")
        try require(imageFolders.allSatisfy { !$0.isEmpty }, "--images needs a folder")
        try require(dataset == .celeba || imageFolders.isEmpty, "--images goes with --dataset celeba (MNIST is read from the data folder)")
        try require(beside.map { !$0.isEmpty } ?? true, "--beside needs a folder")
        try generation.validate(resume: training.resume)
    }
}

let options = Options.parseOrExit()
let dataset = options.dataset, faces = dataset == .celeba
let networks = faces ? DCGAN.faces(width: options.width) : DCGAN.digits(width: options.width)   // Sources/Models/DCGAN.swift
let latentSize = networks.latentSize, side = networks.size, margin = (side - MNIST.side) / 2   // digits: 2 pixels of border
let batchSize = options.training.batch, learningRate = options.training.rate
let zoom = options.drawing.zoom ?? (faces ? 1 : 2)
let run = exitOnError { try Run(chapter: dataset.chapter, program: "chapter06-dcgan", options: options.run) }
let rng = RandomGenerator(seed: options.run.seed)

// MARK: - 2. Models
// G: z [B, 100] seen as a 1 x 1 image of 100 channels, grown by transposed convolutions (4 x 4
// kernels, stride 2) to 4, 8, 16, 32 (and 64) pixels while the channels shrink 8w, 4w, 2w, w; then
// 3 colours (or 1 gray) and tanh. BatchNorm and ReLU between. D mirrors it: strided convolutions
// halve the picture, LeakyReLU(0.2), BatchNorm from the second stage on, one logit at 4 x 4 -> 1.

let (generator, discriminator) = networks.networks(rng: rng)   // G: z [B, 100] -> x̂ [B, C·S·S];  D: x [B, C·S·S] -> logit [B, 1]
let generatorOptimizer = Adam(generator.parameters, learningRate: learningRate, beta1: 0.5, beta2: 0.999)
let discriminatorOptimizer = Adam(discriminator.parameters, learningRate: learningRate, beta1: 0.5, beta2: 0.999)
let bce = BCEWithLogitsLoss()
let pictures = SamplePictures(run: run, generator: generator, layout: faces ? .rgb(side: side) : .gray(side: side), zoom: zoom)

let folders = options.imageFolders.isEmpty
    ? [run.dataRoot.appendingPathComponent("celeba")] : options.imageFolders.map { URL(fileURLWithPath: $0) }
var configuration: [String: String] = [
    "dataset": dataset.rawValue, "width": "\(options.width)", "generator": networks.generatorDescription,
    "discriminator": networks.discriminatorDescription, "batch size": "\(batchSize)", "learning rate": "\(learningRate)",
    "seed": "\(options.run.seed)", "limit": options.run.limit.map(String.init) ?? "none",
]
if faces { configuration["images"] = folders.map(\.standardizedFileURL.path).joined(separator: ", ") }

// MARK: - Generating only: --generate N

if let count = options.generation.generate {
    let file = options.generation.checkpointFile(run)
    exitOnError {
        let saved = try Checkpoint.load(generator, as: "G", from: file, configuration: configuration, mustMatch: ["dataset", "width"],
                                        hint: "pass the --dataset and --width it was trained with")
        let sample: (Tensor, Int) -> Void = { z, n in Latent.normal.sample(z, count: n, size: latentSize, using: rng) }
        if faces {
            let folder = try pictures.generatePNGs(count: count, sample: sample)
            print("Drew \(count) faces from \(file.path) (epoch \(saved.epoch)): \(folder.path)/ and generated.png (the first \(min(count, 64)))")
        } else {   // MNIST's own format, cropped back to 28 x 28: score-digits and any MNIST reader load it
            let idx = try pictures.generateIDX(count: count, margin: margin, sample: sample)
            print("Drew \(count) digits from \(file.path) (epoch \(saved.epoch)): \(idx.path) and generated.png (the first \(min(count, 100)))")
        }
    }
    exit(0)
}

// MARK: - 3. Data
// Faces as in chapter 4 (shorter side resized to 64, center crop, [-1, 1]); digits as in chapter 3,
// [-1, 1], with a border of 2 background pixels so that three halvings take 32 to 4.

let howToGetCelebA = """
    CelebA is not downloaded automatically (its hosts limit downloads). Get the aligned faces, img_align_celeba \
    (202,599 JPEGs, 1.4 GB), from the official page, https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html \
    (Google Drive: Img/img_align_celeba.zip), or from Kaggle's "CelebFaces Attributes (CelebA) Dataset". Unzip it and \
    either put the JPEGs in celeba/ under the data folder (--data-dir, or $\(DataLocation.environmentVariable)) or pass \
    --images <folder>. Or train on digits: --dataset mnist.
    """
let faceImages = !faces ? nil : exitOnError {
    try ImageFolder.load(folders: folders, side: side, limit: options.run.limit, cacheFolder: options.cache.cacheFolder, help: howToGetCelebA)
}
let digits = faces ? nil : exitOnError { try MNIST.load(.train, root: run.dataRoot) }
let testDigits = faces ? nil : exitOnError { try MNIST.load(.test, root: run.dataRoot) }
let train = digits?.prefix(options.run.limit)
let examples = faceImages?.count ?? train!.count
let dataFingerprint = faceImages?.fingerprint ?? (train!.fingerprint + "-" + testDigits!.fingerprint)

/// Real images at `indices`, as D sees them: [B, C·S·S] in [-1, 1].
func fillReal(_ batch: Tensor, _ indices: some Collection<Int>) {
    if let faceImages { faceImages.fill(batch, with: indices) } else { train!.fill(batch, with: indices, range: -1...1, padding: margin) }
}

print(faces ? "Faces: \(examples) images from \(folders.map(\.path).joined(separator: ", "))" + (faceImages!.fromCache ? " (from the cache)" : "")
            : "MNIST: \(examples) training images from \(run.shownDataRoot), padded to 32x32")
let stepsPerEpoch = (examples + batchSize - 1) / batchSize
let epochCount = options.training.epochs ?? dataset.defaultEpochs ?? max(1, Int((2500 / Double(stepsPerEpoch)).rounded()))
print("G: \(generator.parameterCount) parameters; D: \(discriminator.parameterCount) parameters (width \(options.width))")

// 64 real images: what the samples should look like, and the yardstick for their variety.
let realSample = Tensor(shape: [0])
let shownReal = (0..<min(64, examples)).map { $0 * examples / min(64, examples) }
if let testDigits { testDigits.fill(realSample, with: 0..<min(64, testDigits.count), range: -1...1, padding: margin) } else { fillReal(realSample, shownReal) }
let realVariety = meanPairwiseDistance(realSample)
exitOnError { try PNG.write(pictures.grid(realSample, count: 64), to: run.output("real.png")) }

// Fixed latent vectors: 64 for the grids, 2 x 6 ends of latent walks (8 steps each), 2,000 to score digits.
let fixedZ = Tensor(shape: [0]), ends = Tensor(shape: [0]), scoreZ = Tensor(shape: [0])
Latent.normal.sample(fixedZ, count: 64, size: latentSize, using: RandomGenerator(seed: options.run.seed &+ 7919))
Latent.normal.sample(ends, count: 12, size: latentSize, using: RandomGenerator(seed: options.run.seed &+ 104_729))
let scorer = faces || !options.score ? nil : exitOnError {
    try DigitScorer.prepared(train: digits!, test: testDigits!, cacheFolder: options.cache.cacheFolder)
}
if scorer != nil { Latent.normal.sample(scoreZ, count: 2000, size: latentSize, using: RandomGenerator(seed: options.run.seed &+ 31_337)) }

/// The digit score of 2,000 samples, cropped back to MNIST's 28 x 28 (G's BatchNorm in evaluation mode).
func scoreDigits() -> DigitScore? {
    scorer?.score(cropImages(draw(generator, scoreZ, chunk: 250), side: side, margin: margin), range: -1...1)
}

// MARK: - 4. The bookkeeping: history, charts, checkpoints, resuming, Ctrl-C (Workbook/Training/)
// Checkpoints keep BatchNorm's running averages too: G draws its pictures in evaluation mode.

let training = GANTraining(run: run, rng: rng, configuration: configuration, generator: generator, discriminator: discriminator,
                           generatorOptimizer: generatorOptimizer, discriminatorOptimizer: discriminatorOptimizer,
                           examples: examples, batchSize: batchSize, epochs: epochCount)
if options.training.resume { exitOnError { try training.resume() } }
training.notebook = writeNotebook   // the report is rewritten after every epoch (section 6)

// MARK: - 5. Training: D and G take turns (the PyTorch DCGAN example's step)

let real = Tensor(shape: [0]), z = Tensor(shape: [0])
let realTargets = Tensor(shape: [0]), fakeTargets = Tensor(shape: [0])

print("Training for epochs \(training.epochs), \(training.stepsPerEpoch) steps each (batch \(batchSize)) on \(run.threads) threads")
exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    for epoch in training.epochs {
        for step in training.beginEpoch(epoch) {
            let indices = training.batch(step)
            let b = indices.count
            realTargets.reshape(to: [b, 1]); realTargets.fill(1)                // "real"
            fakeTargets.reshape(to: [b, 1]); fakeTargets.fill(0)                // "fake"

            // The discriminator's step: the sum of its losses on a batch of real images and a batch
            // of fakes. The two batches go through D separately, so each BatchNorm layer normalises
            // real images with real statistics and fakes with fake ones (as the paper does).
            discriminator.isFrozen = false
            discriminator.needsInputGradient = false
            discriminatorOptimizer.zeroGradients()
            fillReal(real, indices)                                              // x: [B, C·S·S] in [-1, 1]
            let realLogits = discriminator.forward(real)                        // D(x) as logits: [B, 1]
            let realScore = meanProbability(realLogits)
            var dLoss = Double(bce.forward(realLogits, realTargets))            // -log D(x)
            _ = discriminator.backward(bce.backward())

            z.reshape(to: [b, latentSize])
            z.fillNormal(using: rng)                                             // z ~ N(0, 1): [B, 100]
            let fake = generator.forward(z)                                     // G(z): [B, C·S·S], BatchNorm on this batch
            let fakeLogits = discriminator.forward(fake)                        // detached: nothing flows back into G
            let fakeScore = meanProbability(fakeLogits)
            dLoss += Double(bce.forward(fakeLogits, fakeTargets))               // -log(1 - D(G(z)))
            _ = discriminator.backward(bce.backward())
            discriminatorOptimizer.step()

            // The generator's step: make the updated D say "real" about the same fakes. D is frozen
            // (its weights stay, its weight gradients are skipped) and passes the gradient back to
            // the images; G has not changed since it drew them, so no second pass through G.
            discriminator.isFrozen = true
            discriminator.needsInputGradient = true
            generatorOptimizer.zeroGradients()
            let gLoss = Double(bce.forward(discriminator.forward(fake), realTargets))    // -log D(G(z)): non-saturating
            let imageGradient = discriminator.backward(bce.backward())          // dLoss/dG(z): [B, C·S·S]
            _ = generator.backward(imageGradient)
            generatorOptimizer.step()

            try training.endStep(step, GANStepNumbers(discriminatorLoss: dLoss, generatorLoss: gLoss, realScore: realScore, fakeScore: fakeScore))
        }

        // The same 64 z as every epoch, drawn with BatchNorm's running averages (evaluation mode).
        let samples = try pictures.epochGrid(fixedZ, epoch: epoch)
        try training.endEpoch(diversity: meanPairwiseDistance(samples) / realVariety, score: scoreDigits())
    }
}

// MARK: - 6. Outputs (the executed notebook)

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let history = training.history
    let what = faces ? "faces" : "digits"
    let report = Report(title: "Chapter 6: a DCGAN on \(faces ? "CelebA faces" : "MNIST digits") (executed notebook)", status: status)
    let charts = try training.drawCharts(subject: faces ? "faces" : "MNIST")
    report.paragraph("""
        A convolutional generator G (\(networks.generatorDescription)) learns to turn random vectors z ~ N(0, 1) into \
        \(side)x\(side) \(faces ? "colour faces" : "digits"), against a convolutional discriminator D \
        (\(networks.discriminatorDescription)). Each step D trains on a batch of real \(what) (target 1) and a batch of fakes \
        (target 0), with the sum of the two losses, then G trains to make D say "real". The text of this chapter is `chapters/06-dcgan.md`.
        """)
    report.describe(run, configuration: [
        ("data set", faces ? "faces, 64x64 colour" : "MNIST, padded to 32x32"), ("width (ngf = ndf)", "\(options.width)"),
        ("epochs", "\(epochCount) (\(stepsPerEpoch) steps each)"), ("batch size", "\(batchSize)"),
        ("optimisers", "Adam for G and D, lr \(learningRate), betas (0.5, 0.999)"),
        ("loss", "binary cross-entropy on D's logits, (real + fake) for D; G uses the non-saturating loss"),
        ("parameters", "G \(generator.parameterCount), D \(discriminator.parameterCount)"),
        ("multiply-adds per image", "G \(fixed(Double(networks.multiplyAdds.generator) / 1e6, 1)) million, D \(fixed(Double(networks.multiplyAdds.discriminator) / 1e6, 1)) million"),
        (faces ? "image folders" : "training images", faces ? (options.imageFolders.isEmpty ? "\(run.shownDataRoot)/celeba" : options.imageFolders.joined(separator: ", ")) : "\(examples)"),
    ])
    if let faceImages {
        report.heading("Data")
        report.bullets(["\(faceImages.count) faces" + (faceImages.fromCache ? ", read from the cache `\(run.shown(faceImages.cacheFile!))`" : ""),
                        "\(faceImages.skipped.count) files skipped, \(faceImages.repaired.count) used although libjpeg reported damage (chapter 4's report lists them)"])
    }
    report.paragraph("Real \(what), as D sees them:")
    report.image("64 real \(what)", "real.png")
    guard let last = history.last else { return try report.write(to: run.output("report.md")) }
    let stripEpochs = status.isFinished ? try pictures.final(fixedZ: fixedZ, epochs: epochCount, ends: ends, steps: 8) : nil
    report.ganSamples(epoch: last.epoch, stripEpochs: stripEpochs, walk: "G's \(what) change smoothly on the way.")
    report.ganEpochs(history, warnings: training.latestWarnings, dLossMeaning: "the sum of its losses on real and fake \(what)")
    report.ganCharts(charts)
    if let finalScore = last.score {
        report.digitScore(history, final: finalScore,
                          frechetChart: try DigitScore.frechetChart(history).draw(into: run.outputFolder, name: "frechet"),
                          digitsChart: try finalScore.histogram(epoch: last.epoch, drawer: "the DCGAN").draw(into: run.outputFolder, name: "digits"))
    }
    if status.isFinished { besideThePerceptrons(last, in: report) }
    report.epochPictures(history.map(\.epoch))
    report.timing(run, trainingSeconds: training.trainingSeconds, samples: examples * history.count, unit: "real \(what)",
                  notebookSeconds: training.notebookSeconds, ["checkpoint: `checkpoint.bin` (continue with `--resume --epochs N`; draw with `--generate N`)"])
    guard status.isFinished else { return try report.write(to: run.output("report.md")) }
    var saved = configuration.merging(["epochs": "\(epochCount)", "zoom": "\(zoom)"]) { _, new in new }
    if faces { saved["images"] = folders.map(\.lastPathComponent).joined(separator: ", ") }   // by name: the reference was made elsewhere
    try run.finish(report, configuration: saved, metrics: last.metrics.merging(["examples": Double(examples), "seconds per step": training.trainingSeconds / Double(max(1, history.count * stepsPerEpoch))]) { $1 },
                   pictures: ["samples.png", "interpolation.png"], data: dataFingerprint)
}

/// The section that puts this DCGAN beside the perceptron GAN of chapter 4 (faces) or 3 (digits):
/// a table of sizes, steps, time and quality, and the first rows of both runs' samples.
func besideThePerceptrons(_ last: GANEpoch, in report: Report) {
    let what = faces ? "faces" : "digits"
    let folder = URL(fileURLWithPath: options.beside ?? dataset.besideReference)
    let chapter = faces ? 4 : 3
    report.heading("Beside chapter \(chapter)'s perceptron GAN")
    guard let theirs = try? RunMetrics(contentsOf: folder) else {
        return report.paragraph("Chapter \(chapter)'s reference run was not found at `\(run.shown(folder))` (pass `--beside <folder>`).")
    }
    let mlp = faces ? MLPGAN.faces : MLPGAN.digits
    let theirEpochs = Int(theirs.configuration["epochs"] ?? "") ?? 0
    let theirExamples = faces ? Int(theirs.metrics["faces"] ?? 0) : 60_000
    let theirSteps = theirEpochs * ((theirExamples + 127) / 128)
    let theirTraining = trainingTime(inReportOf: folder)
    func number(_ value: Double?, _ decimals: Int) -> String { value.map { fixed($0, decimals) } ?? "–" }
    var rows = [
        ["parameters of G / D", "\(mlp.generatorParameters.formatted()) / \(mlp.discriminatorParameters.formatted())",
         "\(generator.parameterCount.formatted()) / \(discriminator.parameterCount.formatted())"],
        ["steps (batch 128)", "\(theirSteps.formatted()) (\(theirEpochs) epochs)", "\((last.epoch * stepsPerEpoch).formatted()) (\(last.epoch) epochs)"],
        ["training time (each run's report)", theirTraining ?? "–", "\(formatDuration(training.trainingSeconds)) on \(run.threads) threads"],
        ["variety (real \(what): 1)", number(theirs.metrics["variety"], 2), number(last.diversity, 2)],
    ]
    if !faces {
        rows.append(["Fréchet distance (lower is better)", number(theirs.metrics["Fréchet distance"], 2), number(last.score?.frechetDistance, 2)])
        rows.append(["rarest digit's share (10% is even)", theirs.metrics["rarest digit share"].map { "\(fixed(100 * $0, 1))%" } ?? "–",
                     last.score.map { "\(fixed(100 * $0.rarestShare, 1))%" } ?? "–"])
        if let firstBelow = training.history.first(where: { ($0.score?.frechetDistance ?? .infinity) < (theirs.metrics["Fréchet distance"] ?? 0) }) {
            rows.append(["first epoch below chapter 3's final Fréchet distance", "–", "\(firstBelow.epoch)"])
        }
    }
    report.table(["", "chapter \(chapter) (perceptrons, reference run)", "this DCGAN (width \(options.width))"], rows)
    if besidePicture(folder: folder, theirZoom: Int(theirs.configuration["zoom"] ?? "") ?? 1) {
        report.paragraph("\(faces ? "Four" : "Two") rows of chapter \(chapter)'s samples (above) and of this run's (below)\(faces ? "" : ", cropped to 28x28 as the digit score sees them"):")
        report.image("chapter \(chapter)'s samples above, the DCGAN's below", "beside.png")
    }
}

/// The first rows of the other run's samples above this run's, in `beside.png`; false if they do not fit.
func besidePicture(folder: URL, theirZoom: Int) -> Bool {
    let rows = faces ? 4 : 2, tile = faces ? side : MNIST.side
    let tileRows = rows * (tile + 2) * theirZoom
    guard let theirs = try? PNG.read(folder.appendingPathComponent("samples.png")).cropped(top: 0, height: tileRows) else { return false }
    var samples = draw(generator, fixedZ)
    if !faces { samples = cropImages(samples, side: side, margin: margin) }
    let layout: ImageLayout = faces ? .rgb(side: side) : .gray(side: MNIST.side)
    let mine = layout.grid(samples, count: 8 * rows, perRow: 8, zoom: theirZoom).cropped(top: 0, height: tileRows)
    guard theirs.width == mine.width, theirs.channels == mine.channels else { return false }
    return (try? PNG.write(Image.stacked([theirs, mine]), to: run.output("beside.png"))) != nil
}

/// "training: 9m 44s" from the time section of a run's report, as it was written there.
func trainingTime(inReportOf folder: URL) -> String? {
    guard let text = try? String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.contains("wall time of this run:") }),
          let range = line.range(of: "training: ") else { return nil }
    return String(line[range.upperBound...])
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
print("Done: \(training.history.count) epochs, \(formatDuration(training.trainingSeconds)) of training. Wrote \(run.outputFolder.path)/: "
      + "samples.png, real.png, progress.png, interpolation.png, beside.png, epoch-*.png, charts, report.md, checkpoint.bin")
