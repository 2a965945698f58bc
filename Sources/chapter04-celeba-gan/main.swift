// Chapter 4: a GAN on faces. The chapter-3 GAN, grown to 64 x 64 colour images of CelebA.
//
// Read this file beside chapters/04-celeba-gan.md. The networks are the same kind as in chapter 3,
// multilayer perceptrons, but each image now has 12,288 numbers (3 colours x 64 x 64) instead of 784.
//
//     swift run chapter04-celeba-gan --data-dir ../shared/data
//     swift run chapter04-celeba-gan --images ~/celeba/img_align_celeba     # the full data set
//     swift run chapter04-celeba-gan --resume --epochs 40                   # continue from the checkpoint
//     swift run chapter04-celeba-gan --generate 100                         # draw faces from the trained G

import ArgumentParser
import Backprop
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

enum Defaults: TrainingDefaults {
    static let epochs = 63, batchSize = 128, learningRate: Float = 2e-4
    static let epochsNote = " for 5,000 faces: enough for about 2,500 steps; 2 for all of CelebA"
}

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter04-celeba-gan",
        abstract: "Train a GAN whose generator learns to draw 64x64 faces (CelebA) from random noise.")

    @Option(name: .customLong("images"), help: ArgumentHelp(
        "A folder of face images (.jpg/.jpeg/.png, searched recursively); repeat to train on several (default: celeba/ in the data folder).",
        valueName: "folder"))
    var imageFolders: [String] = []
    @OptionGroup var training: TrainingOptions<Defaults>
    @OptionGroup var generation: GenerateOptions
    @OptionGroup var cache: CacheOptions
    @OptionGroup var drawing: PictureOptions
    @OptionGroup var run: RunOptions

    func validate() throws {
        try require(imageFolders.allSatisfy { !$0.isEmpty }, "--images needs a folder")
        try generation.validate(resume: training.resume)
    }
}

let options = Options.parseOrExit()
let side = 64                                          // 3 x 64 x 64 = 12,288 numbers per face
let networks = MLPGAN.faces                            // in Sources/Models/MLPGAN.swift
let latentSize = networks.latentSize
let batchSize = options.training.batch, learningRate = options.training.rate
let zoom = options.drawing.zoom ?? 1   // pictures drawn at their size
let run = exitOnError { try Run(chapter: "chapter04-celeba-gan", options: options.run) }
let rng = RandomGenerator(seed: options.run.seed)

// MARK: - 2. Models
// As in the PyTorch tutorial: G 100-256-512-1024-12288 uses ReLU inside and tanh at the end (images
// in [-1, 1]); D 12288-1024-512-256-1 uses LeakyReLU(0.2) and ends in one logit, trained with
// binary cross-entropy computed from the logit.

let (generator, discriminator) = networks.networks(rng: rng)   // G: z [B, 100] -> x̂ [B, 12288];  D: x [B, 12288] -> logit [B, 1]
let generatorOptimizer = Adam(generator.parameters, learningRate: learningRate, beta1: 0.5, beta2: 0.999)
let discriminatorOptimizer = Adam(discriminator.parameters, learningRate: learningRate, beta1: 0.5, beta2: 0.999)
let bce = BCEWithLogitsLoss()
let pictures = SamplePictures(run: run, generator: generator, layout: .rgb(side: side), zoom: zoom)

let folders = options.imageFolders.isEmpty
    ? [run.dataRoot.appendingPathComponent("celeba")] : options.imageFolders.map { URL(fileURLWithPath: $0) }
let shownFolders = options.imageFolders.isEmpty ? "\(run.shownDataRoot)/celeba" : options.imageFolders.joined(separator: ", ")   // as typed
let configuration: [String: String] = [
    "generator": describe(networks.generatorSizes), "discriminator": describe(networks.discriminatorSizes),
    "batch size": "\(batchSize)", "learning rate": "\(learningRate)", "seed": "\(options.run.seed)",
    "images": folders.map(\.standardizedFileURL.path).joined(separator: ", "), "limit": options.run.limit.map(String.init) ?? "none",
]

// MARK: - Generating only: --generate N

if let count = options.generation.generate {
    let file = options.generation.checkpointFile(run)
    exitOnError {
        let saved = try Checkpoint.load(generator, as: "G", from: file, configuration: configuration, mustMatch: ["generator"],
                                        hint: "it is not a chapter-4 checkpoint")
        let folder = try pictures.generatePNGs(count: count) { z, n in Latent.normal.sample(z, count: n, size: latentSize, using: rng) }
        print("Drew \(count) faces from \(file.path) (epoch \(saved.epoch)): \(folder.path)/ and generated.png (the first \(min(count, 64)))")
    }
    exit(0)
}

// MARK: - 3. Data
// Every image resized so its shorter side is 64, center-cropped to 64 x 64, kept as bytes, and
// scaled to [-1, 1] a batch at a time (torchvision's Resize, CenterCrop, ToTensor, Normalize(0.5, 0.5)).

let howToGetCelebA = """
    CelebA is not downloaded automatically (its hosts limit downloads). Get the aligned faces, img_align_celeba \
    (202,599 JPEGs, 1.4 GB), from the official page, https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html \
    (Google Drive: Img/img_align_celeba.zip), or from Kaggle's "CelebFaces Attributes (CelebA) Dataset". Unzip it and \
    either put the JPEGs in celeba/ under the data folder (--data-dir, or $\(DataLocation.environmentVariable)) or pass \
    --images <folder>. Any folder of face photos works too.
    """
let decodeStart = Date()
let faces = exitOnError {
    try ImageFolder.load(folders: folders, side: side, limit: options.run.limit,
                         cacheFolder: options.cache.cacheFolder, help: howToGetCelebA)
}
let decodeSeconds = Date().timeIntervalSince(decodeStart)
print("Faces: \(faces.count) images from \(folders.map(\.path).joined(separator: ", "))"
      + (faces.fromCache ? " (from the cache \(faces.cacheFile!.path))" : " (decoded in \(formatDuration(decodeSeconds)))")
      + (faces.skipped.isEmpty ? "" : "; \(faces.skipped.count) files skipped (listed in the report)"))
// An MLP GAN needs a few thousand steps to draw faces, however many faces there are: by default
// the run takes as many epochs as make about 2,500 steps.
let stepsPerEpoch = (faces.count + batchSize - 1) / batchSize
let epochCount = options.training.epochs ?? max(1, Int((2500 / Double(stepsPerEpoch)).rounded()))
print("G \(configuration["generator"]!): \(generator.parameterCount) parameters; D \(configuration["discriminator"]!): \(discriminator.parameterCount) parameters")

// 64 real faces: what the samples should look like, and the yardstick for their variety.
let realSample = Tensor(shape: [0])
faces.fill(realSample, with: (0..<min(64, faces.count)).map { $0 * faces.count / min(64, faces.count) })
let realVariety = meanPairwiseDistance(realSample)
exitOnError { try PNG.write(pictures.layout.grid(realSample, count: 64, perRow: 8, zoom: zoom), to: run.output("real.png")) }

// 64 latent vectors fixed for the whole run: the same z every epoch, so the grids show G learning.
let fixedZ = Tensor(shape: [0])
Latent.normal.sample(fixedZ, count: 64, size: latentSize, using: RandomGenerator(seed: options.run.seed &+ 7919))
let ends = Tensor(shape: [0])   // 6 straight lines from one face's z to another's, 8 steps each
Latent.normal.sample(ends, count: 12, size: latentSize, using: RandomGenerator(seed: options.run.seed &+ 104_729))

// MARK: - 4. The bookkeeping: history, charts, checkpoints, resuming, Ctrl-C (Workbook/Training/)

let training = GANTraining(run: run, rng: rng, configuration: configuration, generator: generator, discriminator: discriminator,
                           generatorOptimizer: generatorOptimizer, discriminatorOptimizer: discriminatorOptimizer,
                           examples: faces.count, batchSize: batchSize, epochs: epochCount)
if options.training.resume { exitOnError { try training.resume() } }
training.notebook = writeNotebook   // the report is rewritten after every epoch (section 6)

// MARK: - 5. Training: D and G take turns (as in chapter 3, without its tricks)

let real = Tensor(shape: [0]), z = Tensor(shape: [0])
let realTargets = Tensor(shape: [0]), fakeTargets = Tensor(shape: [0])

print("Training for epochs \(training.epochs), \(training.stepsPerEpoch) steps each (batch \(batchSize)) on \(run.threads) threads")
exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    for epoch in training.epochs {
        for step in training.beginEpoch(epoch) {
            let indices = training.batch(step)
            let b = indices.count
            realTargets.reshape(to: [b, 1]); realTargets.fill(1)                // "real" (no label smoothing here)
            fakeTargets.reshape(to: [b, 1]); fakeTargets.fill(0)                // "fake"

            // The discriminator's step. Its loss is the mean of its two losses, (real + fake) / 2,
            // so each is weighted 1/2.
            discriminator.isFrozen = false
            discriminator.needsInputGradient = false
            discriminatorOptimizer.zeroGradients()
            faces.fill(real, with: indices)                                      // x: [B, 12288] in [-1, 1]
            let realLogits = discriminator.forward(real)                        // D(x) as logits: [B, 1]
            let realScore = meanProbability(realLogits)
            var dLoss = Double(bce.forward(realLogits, realTargets, weight: 0.5))   // -log D(x) / 2
            _ = discriminator.backward(bce.backward())

            z.reshape(to: [b, latentSize])
            z.fillNormal(using: rng)                                             // z ~ N(0, 1): [B, 100]
            let fake = generator.forward(z)                                     // G(z): [B, 12288]
            let fakeLogits = discriminator.forward(fake)                        // detached: nothing flows back into G
            let fakeScore = meanProbability(fakeLogits)
            dLoss += Double(bce.forward(fakeLogits, fakeTargets, weight: 0.5))  // -log(1 - D(G(z))) / 2
            _ = discriminator.backward(bce.backward())
            discriminatorOptimizer.step()

            // The generator's step: make D say "real" about the same fakes, through a frozen D (as in
            // the tutorial). Nothing has changed G since it drew them, so its layers still hold what
            // their backward passes need: no second forward pass through G.
            discriminator.isFrozen = true
            discriminator.needsInputGradient = true
            generatorOptimizer.zeroGradients()
            let gLoss = Double(bce.forward(discriminator.forward(fake), realTargets))    // -log D(G(z)), with the updated D
            let imageGradient = discriminator.backward(bce.backward())          // dLoss/dG(z): [B, 12288]
            _ = generator.backward(imageGradient)
            generatorOptimizer.step()

            try training.endStep(step, GANStepNumbers(discriminatorLoss: dLoss, generatorLoss: gLoss, realScore: realScore, fakeScore: fakeScore))
        }

        // The same 64 z as every epoch: how does G draw them now?
        let samples = try pictures.epochGrid(fixedZ, epoch: epoch)
        try training.endEpoch(diversity: meanPairwiseDistance(samples) / realVariety)
    }
}

// MARK: - 6. Outputs (the executed notebook)

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let history = training.history
    let report = Report(title: "Chapter 4: a GAN on CelebA faces (executed notebook)", status: status)
    let charts = try training.drawCharts(subject: "faces")

    report.paragraph("""
        A generator G (\(configuration["generator"]!), ReLU, tanh output) learns to turn random vectors z ~ N(0, 1) into \
        64x64 colour faces, against a discriminator D (\(configuration["discriminator"]!), LeakyReLU 0.2, one logit). \
        Each step D trains on real faces (target 1) and fakes (target 0) with the loss (real + fake) / 2, then G trains to make \
        D say "real". The text of this chapter is `chapters/04-celeba-gan.md`.
        """)
    report.describe(run, configuration: [
        ("epochs", "\(epochCount)"), ("batch size", "\(batchSize)"),
        ("optimisers", "Adam for G and D, lr \(learningRate), betas (0.5, 0.999)"),
        ("loss", "binary cross-entropy on D's logits; G uses the non-saturating loss"),
        ("parameters", "G \(generator.parameterCount), D \(discriminator.parameterCount)"),
        ("image folders", shownFolders),
    ])
    report.heading("Data")
    var dataLines = [
        "\(faces.count) faces used, resized (shorter side 64, area averaging) and center-cropped to 64x64"
            + (faces.fromCache ? ", read from the cache `\(run.shown(faces.cacheFile!))`" : ", decoded in \(formatDuration(decodeSeconds))"
               + (faces.cacheFile.map { " and cached in `\(run.shown($0))`" } ?? "")),
        "\(faces.skipped.count) files skipped" + (faces.skipped.isEmpty ? "" : " (below)"),
        "\(faces.repaired.count) files used although libjpeg reported damage" + (faces.repaired.isEmpty ? "" : " (below)"),
    ]
    if faces.otherFiles > 0 { dataLines.append("\(faces.otherFiles) other files (not .jpg, .jpeg or .png) ignored") }
    report.bullets(dataLines)
    for (title, problems) in [("Skipped files", faces.skipped), ("Files used despite damage", faces.repaired)] where !problems.isEmpty {
        report.heading(title, level: 3)
        report.table(["file", "reason"], problems.prefix(50).map { [$0.file, $0.reason] })
        if problems.count > 50 { report.paragraph("... and \(problems.count - 50) more.") }
    }
    report.paragraph("Real faces, as D sees them:")
    report.image("64 real training faces", "real.png")
    guard let last = history.last else { return try report.write(to: run.output("report.md")) }
    let stripEpochs = status.isFinished ? try pictures.final(fixedZ: fixedZ, epochs: epochCount, ends: ends, steps: 8) : nil
    report.ganSamples(epoch: last.epoch, stripEpochs: stripEpochs, walk: "the faces change smoothly on the way.")
    report.ganEpochs(history, warnings: training.latestWarnings, dLossMeaning: "the mean of its losses on real and fake faces, (real + fake) / 2")
    report.ganCharts(charts)
    report.epochPictures(history.map(\.epoch))
    report.timing(run, trainingSeconds: training.trainingSeconds, samples: faces.count * history.count, unit: "real faces",
                  notebookSeconds: training.notebookSeconds, ["checkpoint: `checkpoint.bin` (continue with `--resume --epochs N`; draw with `--generate N`)"])
    // For comparisons the folders count by name (the reference was made on another machine).
    guard status.isFinished else { return try report.write(to: run.output("report.md")) }
    try run.finish(report, configuration: configuration.merging(["epochs": "\(epochCount)", "zoom": "\(zoom)", "images": folders.map(\.lastPathComponent).joined(separator: ", ")]) { _, new in new },
                   metrics: last.metrics.merging(["faces": Double(faces.count)]) { $1 },
                   pictures: ["samples.png", "interpolation.png"], data: faces.fingerprint)
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
print("Done: \(training.history.count) epochs, \(formatDuration(training.trainingSeconds)) of training. Wrote \(run.outputFolder.path)/: "
      + "samples.png, real.png, progress.png, interpolation.png, epoch-*.png, charts, report.md, checkpoint.bin")
