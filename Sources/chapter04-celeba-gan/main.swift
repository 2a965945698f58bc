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

    @OptionGroup var images: ImageFolderOptions
    // --epochs, --lr, --resume, --generate, --zoom, --seed, ... (Workbook)
    @OptionGroup var common: GenerativeOptions<Defaults>
}

let options = Options.parseOrExit()
let side = 64                                          // 3 x 64 x 64 = 12,288 numbers per face
let networks = MLPGAN.faces                            // in Sources/Models/MLPGAN.swift
let latentSize = networks.latentSize
let batchSize = options.common.training.batchSizeOrDefault, learningRate = options.common.training.learningRateOrDefault
let zoom = options.common.drawing.zoom ?? 1   // pictures drawn at their size
let run = exitOnError { try Run(chapter: "chapter04-celeba-gan", options: options.common.run,
                                         lock: !options.common.generation.isDrawing) }
let rng = RandomGenerator(seed: options.common.run.seed)

// MARK: - 2. Models
// As in the PyTorch tutorial: G 100-256-512-1024-12288 uses ReLU inside and tanh at the end (images
// in [-1, 1]); D 12288-1024-512-256-1 uses LeakyReLU(0.2) and ends in one logit, trained with
// binary cross-entropy computed from the logit.

// G: z [B, 100] -> x̂ [B, 12288];  D: x [B, 12288] -> logit [B, 1]
let (generator, discriminator) = networks.networks(rng: rng)
// The step (Sources/Models/Steps/SameFakesGANStep.swift, which bench times): D's loss is the mean
// of its losses on real images and on fakes, (real + fake) / 2; then G learns from the same fakes.
let ganStep = SameFakesGANStep(generator: generator, discriminator: discriminator, learningRate: learningRate,
                               latentSize: latentSize, discriminatorLossWeight: 0.5, rng: rng)
let pictures = SamplePictures(run: run, generator: generator, layout: .rgb(side: side), zoom: zoom)

let folders = options.images.urls(default: run.dataRoot.appendingPathComponent("celeba"))
// The settings, declared once: what a checkpoint must match, the report's table, metrics.json. The
// folders count by name in comparisons (the reference was made on another machine).
var settings = Settings(
    [
        "generator": describe(networks.generatorSizes), "discriminator": describe(networks.discriminatorSizes),
        "batch size": batchSize, "learning rate": learningRate, "zoom": zoom,
    ], run: options.common.run)
settings.add(folders: folders)

// MARK: - Generating only: --generate N
if let count = options.common.generation.generate {
    exitOnError {
        print(
            try pictures.generate(
                count, from: options.common.generation.checkpointFile(run), as: "G", settings: settings.checkpoint,
                mustMatch: ["generator"], hint: "it is not a chapter-4 checkpoint"
            ) { z, n in Latent.normal.sample(z, count: n, size: latentSize, using: rng) })
    }
    exit(0)
}

// MARK: - 3. Data
// Every image resized so its shorter side is 64, center-cropped to 64 x 64, kept as bytes, and
// scaled to [-1, 1] a batch at a time (torchvision's Resize, CenterCrop, ToTensor, Normalize(0.5, 0.5)).

let faces = exitOnError {
    try TrainingImages.faces(
        folders, side: side, limit: options.common.run.limit, cacheFolder: options.common.cache.cacheFolder,
        help: ImageFolder.howToGetCelebA())
}
print(
    "Faces: \(faces.count) images from \(folders.map(\.path).joined(separator: ", "))"
        + (faces.faces!.fromCache
            ? " (from the cache \(faces.faces!.cacheFile!.path))"
            : " (decoded in \(formatDuration(faces.decodeSeconds)))")
        + (faces.faces!.skipped.isEmpty ? "" : "; \(faces.faces!.skipped.count) files skipped (listed in the report)"))
let stepsPerEpoch = (faces.count + batchSize - 1) / batchSize
let epochCount = options.common.training.epochsOrDefault(steps: 2500, stepsPerEpoch: stepsPerEpoch)
settings.add("epochs", "\(epochCount)", changeable: true)
print(
    "G \(settings["generator"]!): \(generator.parameterCount) parameters; D \(settings["discriminator"]!): "
        + "\(discriminator.parameterCount) parameters"
)

// 64 real faces, and how varied they are: the yardstick of the samples
let realVariety = exitOnError { try pictures.real(faces) }

// 64 latent vectors fixed for the whole run: the same z every epoch, so the grids show G learning.
// and 6 walks between faces' z
let (fixedZ, ends) = Latent.normal.fixed(size: latentSize, walks: 6, seed: options.common.run.seed)

// MARK: - 4. The bookkeeping: history, charts, checkpoints, resuming, Ctrl-C (Workbook/Training/)

let training = GANTraining(run: run, rng: rng, configuration: settings.checkpoint, step: ganStep,
                           examples: faces.count, batchSize: batchSize, epochs: epochCount)

// MARK: - 5. Training: D and G take turns (as in chapter 3, without its tricks)
exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    // --resume continues the saved run; the notebook (section 6) is written after every epoch
    try training.train(ganStep, resuming: options.common.training.resume, notebook: writeNotebook,
                       batches: { real, indices in faces.fill(real, with: indices) }) { epoch in
        // The same 64 z as every epoch: how does G draw them now, and how varied are they?
        try training.endEpoch(diversity: meanPairwiseDistance(try pictures.epochGrid(fixedZ, epoch: epoch)) / realVariety)
    }
}

// MARK: - 6. Outputs: pictures, charts and tables, woven into chapters/04-celeba-gan.md

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let notebook = Notebook(run: run, settings: settings)
    notebook.imageFolder(faces.faces!, decodeSeconds: faces.decodeSeconds)  // how many faces, skipped, damaged
    try notebook.gan(training, subject: "faces", status: status) {  // charts, the epoch table
        // samples, progress strip, latent walk
        _ = try pictures.final(fixedZ: fixedZ, epochs: epochCount, ends: ends, steps: 8)
    }
    notebook.timing(
        trainingSeconds: training.trainingSeconds, samples: faces.count * training.history.count, unit: "real faces",
        notebookSeconds: training.notebookSeconds)
    guard status.isFinished, let last = training.history.last else { return try notebook.write(status) }
    try notebook.finish(
        metrics: last.metrics.merging(["faces": Double(faces.count)]) { $1 },
        pictures: ["samples.png", "interpolation.png"],
        data: faces.fingerprint)
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
print(
    "Done: \(training.history.count) epochs, \(formatDuration(training.trainingSeconds)) of training. Wrote "
        + "\(run.outputFolder.path)/report.html"
)
