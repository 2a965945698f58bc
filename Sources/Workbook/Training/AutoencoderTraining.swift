import Backprop
import Foundation

/// What one epoch of an autoencoder chapter looked like.
public struct AutoencoderEpoch: Codable, Equatable, Sendable {
    public var epoch: Int
    /// The mean training loss over the epoch's examples.
    public var trainingLoss: Double
    public var testMSE: Double
    /// The test images' mean PSNR against the clean ones, in dB (chapter 2).
    public var psnr: Double?
    public var seconds: Double
}

/// The autoencoder chapters' training loop: one model, one optimiser, one loss per step.
public typealias AutoencoderTraining = TrainingLoop<TrainingLoss, AutoencoderEpoch>

public extension TrainingLoop where Numbers == TrainingLoss, Record == AutoencoderEpoch {
    /// The model and its optimiser are saved as "model" and "adam"; the loss curve samples every epoch 50 times.
    convenience init(
        run: Run, rng: RandomGenerator, configuration: [String: String], model: Layer, optimizer: Optimizer,
        examples: Int, batchSize: Int, epochs: Int
    ) {
        self.init(
            run: run, rng: rng, configuration: configuration, models: [("model", model)],
            optimizers: [("adam", optimizer)],
            examples: examples, batchSize: batchSize, epochs: epochs, curvePointsPerEpoch: 50)
    }

    /// Ends the epoch with its test numbers (history, progress line, checkpoint).
    func endEpoch(testMSE: Double, psnr: Double? = nil, status: String) throws {
        try endEpoch(
            AutoencoderEpoch(
                epoch: epoch, trainingLoss: epochMeans.loss, testMSE: testMSE, psnr: psnr, seconds: epochSeconds),
            status: status)
    }

    /// Seconds spent in training steps, over all finished epochs.
    var trainingSeconds: Double { history.reduce(0) { $0 + $1.seconds } }

    /// The training loss (averaged over every few steps) and the test MSE per epoch, on a log scale.
    func lossChart(title: String) -> Chart {
        Chart(title: title, xLabel: "epoch", yLabel: "mean squared error",
              series: [.init("training loss (mean over \(curves[0].every) steps)", curves[0].points),
                       .init("test MSE", history.map { (x: Double($0.epoch), y: $0.testMSE) }, style: "linespoints")],
              logScaleY: true)
    }

    /// The test PSNR per epoch, against the noisy input's (chapter 2): how many dB the denoiser gains.
    func psnrChart(noisy: Double) -> Chart {
        Chart(
            title: "Denoising: PSNR of the test images (higher is better)", xLabel: "epoch", yLabel: "PSNR (dB)",
            series: [
                .init("denoised", history.map { (x: Double($0.epoch), y: $0.psnr ?? .nan) }, style: "linespoints"),
                .init("noisy input (baseline)", history.map { (x: Double($0.epoch), y: noisy) }),
            ],
            key: "center right")
    }
}
