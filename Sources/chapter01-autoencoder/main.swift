// Chapter 1: an autoencoder on MNIST.
//
// Read this file beside chapters/01-autoencoder.md. It is the whole experiment, top to bottom:
// configuration, data, model, the training loop, and what the run leaves behind.
//
//     swift run chapter01-autoencoder --data-dir ../shared/data

import ArgumentParser
import Backprop
import ExerciseChecker
import Foundation
import Models
import Workbook

// MARK: - 1. Configuration

enum Defaults: TrainingDefaults {
    static let epochs = 10, batchSize = 32, learningRate: Float = 1e-3
}

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter01-autoencoder",
        abstract: "Train an autoencoder that squeezes MNIST digits into 9 numbers and rebuilds them.")

    @OptionGroup var training: TrainingOptions<Defaults>
    @OptionGroup var drawing: PictureOptions
    @OptionGroup var run: RunOptions
    @OptionGroup var mine: MineOptions   // --mine: train with your answers (Sources/Exercises)
}

let options = Options.parseOrExit()
let epochs = options.training.epochsOrDefault, batchSize = options.training.batchSizeOrDefault,
    learningRate = options.training.learningRateOrDefault
let zoom = options.drawing.zoom ?? 2  // pictures drawn twice as large, pixel for pixel
let run = exitOnError { try Run(chapter: "chapter01-autoencoder", options: options.run) }
let rng = RandomGenerator(seed: options.run.seed)  // the one source of randomness: same seed, same run
let settings = Settings(
    ["epochs": epochs, "batch size": batchSize, "learning rate": learningRate, "zoom": zoom], run: options.run)

// MARK: - 2. Data
// 28 x 28 gray digits, flattened to 784 numbers and scaled to [0, 1] (a sigmoid's range).

let train = exitOnError { try MNIST.load(.train, root: run.dataRoot) }.prefix(options.run.limit)
let test = exitOnError { try MNIST.load(.test, root: run.dataRoot) }.prefix(options.run.limit)
print("MNIST: \(train.count) training and \(test.count) test images from \(run.dataRoot.path)")

// MARK: - 3. Model
// The encoder squeezes 784 pixels into 9 numbers, the latent vector z. The decoder has to rebuild
// all 784 pixels from those 9 alone, so z must keep what matters about the digit:
//     encoder 784-128-64-36-18-9, decoder 9-18-36-64-128-784, ReLU between, sigmoid at the end
// (written out in Sources/Models/Autoencoders.swift).

let (encoder, decoder, autoencoder) = Autoencoder.undercomplete(rng: rng)   // x [B, 784] -> z [B, 9] -> x̂ [B, 784]
let loss = MSELoss()   // to measure the test digits' error
// --mine: your answers to this chapter's exercises (Sources/Exercises) in place of the library's parts
let yours = exitOnError { try YourAnswers(options.mine, candidates: ["linear-backward", "sigmoid-backward", "adam-update"]) }
yours.plug(into: autoencoder)
let optimizer = yours.optimizer(Adam(autoencoder.parameters, learningRate: learningRate, weightDecay: 1e-8))
// The training step, written out in Sources/Models/Steps/AutoencoderStep.swift (the text quotes it),
// where bench times the very same function.
let trainingStep = AutoencoderStep(model: autoencoder, optimizer: optimizer)
print(
    "Autoencoder \(describe(Autoencoder.encoderSizes))-\(describe(Array(Autoencoder.decoderSizes.dropFirst()))): "
        + "\(autoencoder.parameterCount) parameters"
)

// MARK: - 4. Training

/// The mean squared error of the autoencoder's reconstructions of a whole data set.
func meanSquaredError(on data: MNIST) -> Double {
    autoencoder.setTraining(false)
    defer { autoencoder.setTraining(true) }
    let batch = Tensor(shape: [0])
    var total = 0.0
    for start in stride(from: 0, to: data.count, by: 1000) {
        let indices = start..<min(start + 1000, data.count)
        data.fill(batch, with: indices)
        total += Double(loss.forward(autoencoder.forward(batch), batch)) * Double(indices.count)
    }
    return total / Double(data.count)
}

/// Test digits above, their reconstructions below: two of each digit, always the same ones.
let shownDigits = test.examplesOfEachDigit(2)
func drawReconstructions(to url: URL) throws {
    autoencoder.setTraining(false)
    defer { autoencoder.setTraining(true) }
    let originals = Tensor(shape: [0])
    test.fill(originals, with: shownDigits)
    let reconstructions = autoencoder.forward(originals)
    var tiles: [Image] = []
    for firstOfRow in stride(from: 0, to: shownDigits.count, by: 10) {
        let row = firstOfRow..<min(firstOfRow + 10, shownDigits.count)
        tiles += row.map { Image(grayRow: $0, of: originals, width: 28, height: 28) }
        tiles += row.map { Image(grayRow: $0, of: reconstructions, width: 28, height: 28) }
    }
    try PNG.write(makeGrid(tiles, perRow: 10).scaled(by: zoom), to: url)
}

// The bookkeeping (order, running loss, progress, checkpoints, --resume, Ctrl-C) is in Workbook/Training/TrainingLoop.swift.
let training = AutoencoderTraining(
    run: run, rng: rng, configuration: settings.checkpoint,
    model: autoencoder, optimizer: optimizer, examples: train.count, batchSize: batchSize, epochs: epochs)
// writes section 5 after every epoch
exitOnError { try training.begin(resuming: options.training.resume, notebook: writeNotebook) }

let batch = Tensor(shape: [0])

exitOnError {   // a loss that is not a number, or Ctrl-C, ends the loop with a message
    for epoch in training.epochsToTrain {
        for step in training.beginEpoch(epoch) {                  // a new shuffled order every epoch
            let indices = training.batch(step)
            train.fill(batch, with: indices)                      // x: [B, 784]

            let value = trainingStep(input: batch, target: batch) // x̂ = decoder(encoder(x)); the target is the input

            // running loss, chart, progress; Ctrl-C saves here
            try training.endStep(step, TrainingLoss(Double(value)), weight: Double(indices.count))
        }
        let testMSE = meanSquaredError(on: test)
        try drawReconstructions(to: run.epochPicture(epoch))
        try training.endEpoch(testMSE: testMSE, status: "test MSE \(fixed(testMSE, 4))")
    }
}

// MARK: - 5. Outputs: pictures, the loss chart and the tables, woven into chapters/01-autoencoder.md

/// Writes the notebook for where the run stands: after every epoch, when it stops early, and at the end.
func writeNotebook(_ status: RunStatus) throws {
    let results = training.history
    try drawReconstructions(to: run.output("reconstructions.png"))
    let notebook = Notebook(run: run, settings: settings)
    notebook.table(
        "epochs", "Training, epoch by epoch", ["epoch", "training loss", "test MSE", "seconds"],
        results.map { ["\($0.epoch)", fixed($0.trainingLoss, 5), fixed($0.testMSE, 5), fixed($0.seconds, 1)] })
    notebook.chart(
        "loss", "Loss",
        try training.lossChart(title: "Autoencoder on MNIST: reconstruction error").draw(
            into: run.outputFolder, name: "loss"),
        caption: "training loss and test MSE per epoch")
    notebook.epochPictures(results.map(\.epoch))
    yours.record(in: notebook)   // which parts were yours (with --mine)
    notebook.timing(trainingSeconds: training.trainingSeconds, samples: train.count * results.count,
                    notebookSeconds: training.notebookSeconds)
    guard status.isFinished, let final = results.last else { return try notebook.write(status) }
    try notebook.finish(
        metrics: ["test MSE": final.testMSE, "training loss": final.trainingLoss], pictures: ["reconstructions.png"],
        data: train.fingerprint + "-" + test.fingerprint)
}

exitOnError { try writeNotebook(.finished(elapsed: run.elapsed)) }
let final = training.history.last!
print(
    "Final test MSE \(fixed(final.testMSE, 4)) after \(final.epoch) epochs; "
        + "\(Int(Double(train.count * training.history.count) / training.trainingSeconds)) images/s; "
        + "wall time \(formatDuration(run.elapsed))")
print("Wrote \(run.outputFolder.path)/: reconstructions.png, epoch-*.png, loss chart, report.md")
