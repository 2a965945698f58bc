import Backprop

/// Chapter 5: the variational autoencoder (Kingma and Welling, 2013), as the classic PyTorch
/// example builds it.
///
///     encoder    x [B, 784] (‖ y [B, 10]) -> h [B, 400]                 Linear, ReLU
///     two heads  h -> μ [B, Z]   and   h -> log σ² [B, Z]                two Linear layers side by side
///     sampling   z = μ + σ · ε,  ε ~ N(0, 1)                             Backprop/Layers/Reparameterize.swift
///     decoder    z [B, Z] (‖ y [B, 10]) -> 400 -> logits [B, 784]        Linear, ReLU, Linear
///
/// The decoder ends in logits. The image is sigmoid(logits), and the loss (binary cross-entropy)
/// takes the logits directly: the same numbers, but exact where a sigmoid saturates. A
/// conditional VAE (`conditional`) also sees the digit's label, one-hot (y above), in both halves.
public final class VariationalAutoencoder {
    public static let classes = 10
    /// 784 and 400 in the chapter; the tests check gradients on a small one.
    public let imageSize: Int, hiddenSize: Int
    public let latentSize: Int
    public let isConditional: Bool
    public let encoder: Sequential
    public let meanHead: Linear, logVarianceHead: Linear
    public let sampler: Reparameterize
    public let decoder: Sequential
    /// The decoder followed by a sigmoid: codes (and labels) in, images in [0, 1] out, for drawing.
    public let generator: Sequential
    private let encoderJoin = JoinColumns(), decoderJoin = JoinColumns()

    /// The layers draw their initial weights from `rng` in PyTorch's order (fc1, fc21, fc22, fc3,
    /// fc4); the sampler draws its noise ε from `rng` too, during training (`sampler`: another kind of
    /// sampler on the same `rng`, as `--mine` gives).
    public init(latentSize: Int, conditional: Bool, imageSize: Int = 784, hiddenSize: Int = 400,
                sampler: Reparameterize? = nil, rng: RandomGenerator) {
        (self.latentSize, self.imageSize, self.hiddenSize) = (latentSize, imageSize, hiddenSize)
        isConditional = conditional
        let labels = conditional ? Self.classes : 0
        encoder = Sequential(Linear(imageSize + labels, hiddenSize, rng: rng), ReLU())
        meanHead = Linear(hiddenSize, latentSize, rng: rng)
        logVarianceHead = Linear(hiddenSize, latentSize, rng: rng)
        decoder = Sequential(
            Linear(latentSize + labels, hiddenSize, rng: rng), ReLU(), Linear(hiddenSize, imageSize, rng: rng))
        self.sampler = sampler ?? Reparameterize(rng: rng)
        generator = Sequential(decoder, Sigmoid())
        encoder.needsInputGradient = false          // the input is data: no gradient needed for it
    }

    /// The parts with weights, by name (checkpoints save them under these names).
    public var parts: [(String, Layer)] {
        [("encoder", encoder), ("mean", meanHead), ("log variance", logVarianceHead), ("decoder", decoder)]
    }
    public var parameters: [Parameter] { parts.flatMap { $0.1.parameters } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// The sizes as the chapter writes them: "784-400-(20, 20)-20-400-784".
    public var sizes: String {
        let extra = isConditional ? "+\(Self.classes)" : ""
        return
            "\(imageSize)\(extra)-\(hiddenSize)-(μ \(latentSize), log σ² \(latentSize)); "
                + "\(latentSize)\(extra)-\(hiddenSize)-\(imageSize)"
    }

    /// Training mode samples z = μ + σ·ε; evaluation mode takes z = μ.
    public func setTraining(_ training: Bool) {
        encoder.setTraining(training)
        decoder.setTraining(training)
        sampler.setTraining(training)
    }

    /// The encoder's input: the images, with their one-hot labels beside them when conditional.
    ///     x [B, 784], labels [B, 10] -> [B, 784 (+10)]
    public func encoderInput(_ x: Tensor, labels: Tensor) -> Tensor {
        isConditional ? encoderJoin.forward(x, labels) : x
    }

    /// The decoder's input: the codes, with the one-hot labels beside them when conditional.
    ///     z [B, Z], labels [B, 10] -> [B, Z (+10)]
    public func decoderInput(_ z: Tensor, labels: Tensor) -> Tensor {
        isConditional ? decoderJoin.forward(z, labels) : z
    }

    /// dLoss/dz from the gradient of the decoder's input: the label's columns get none (they are data).
    public func codeGradient(_ dInput: Tensor) -> Tensor {
        isConditional ? decoderJoin.backward(dInput).a : dInput
    }
}

public extension VariationalAutoencoder {
    /// The forward pass as training makes it, z sampled by `sampler`: the decoder's logits, μ and log σ².
    ///     x [B, 784], labels [B, 10] -> logits [B, 784], μ [B, Z], log σ² [B, Z]
    func forward(
        _ x: Tensor, labels: Tensor, sampler: Reparameterize
    ) -> (logits: Tensor, mean: Tensor, logVariance: Tensor) {
        let h = encoder.forward(encoderInput(x, labels: labels))
        let mean = meanHead.forward(h), logVariance = logVarianceHead.forward(h)
        return (
            decoder.forward(decoderInput(sampler.forward(mean: mean, logVariance: logVariance), labels: labels)), mean,
            logVariance
        )
    }

    /// The images decoded from z = μ (evaluation mode), in [0, 1]: what the VAE makes of x. [B, 784]
    func reconstruct(_ x: Tensor, labels: Tensor) -> Tensor {
        setTraining(false)
        defer { setTraining(true) }
        let h = encoder.forward(encoderInput(x, labels: labels))
        let z = sampler.forward(mean: meanHead.forward(h), logVariance: logVarianceHead.forward(h))
        return Tensor(copying: generator.forward(decoderInput(z, labels: labels)))
    }

    /// The means μ the encoder gives x (evaluation mode; not conditional). [B, Z]
    func means(_ x: Tensor) -> Tensor {
        setTraining(false)
        defer { setTraining(true) }
        return Tensor(copying: meanHead.forward(encoder.forward(x)))
    }

    /// Codes to decode: `count` rows of z ~ N(0, 1), and when conditional the digits `digits(row)`
    /// (0, 1, ..., 9, 0, ... by default) beside them, one-hot. [count, Z (+10)]
    func codes(_ into: Tensor, count: Int, using random: RandomGenerator, digits: (Int) -> Int = { $0 % 10 }) {
        let z = Tensor(shape: [count, latentSize])
        z.fillNormal(using: random)
        guard isConditional else { return into.copy(from: z) }
        let labels = Tensor(shape: [0])
        oneHot((0..<count).map(digits), classes: Self.classes, into: labels)
        into.copy(from: JoinColumns().forward(z, labels))
    }

    /// The codes of the grids drawn every epoch: 64 codes z ~ N(0, 1); when conditional, 8 codes
    /// each drawn as every digit, one row of 8 per digit. [64 or 80, Z (+10)]
    func gridCodes(_ into: Tensor, using random: RandomGenerator) {
        guard isConditional else { return codes(into, count: 64, using: random) }
        let styles = Tensor(shape: [8, latentSize]), digits = Tensor(shape: [0])
        styles.fillNormal(using: random)  // 8 codes z: [8, Z]
        let repeated = Tensor(shape: [80, latentSize])  // each once per digit: [80, Z]
        for row in 0..<80 { for k in 0..<latentSize { repeated[row, k] = styles[row % 8, k] } }
        oneHot((0..<80).map { $0 / 8 }, classes: Self.classes, into: digits)               // row r asks for digit r / 8
        into.copy(from: JoinColumns().forward(repeated, digits))
    }
}

public extension VariationalAutoencoder {
    /// The two terms of the loss summed over a data set that `fill(indices, x, labels)` hands out in
    /// batches of 1,000, one z sampled per image by `sampler` (as in training): (reconstruction, KL), in nats.
    func summedLoss(
        count: Int, sampler: Reparameterize, fill: (Range<Int>, Tensor, Tensor) -> Void
    ) -> (reconstruction: Double, divergence: Double) {
        let bce = BCEWithLogitsLoss(), kl = KLDivergenceLoss()
        let x = Tensor(shape: [0]), labels = Tensor(shape: [0])
        var reconstruction = 0.0, divergence = 0.0
        for start in stride(from: 0, to: count, by: 1000) {
            let indices = start..<min(start + 1000, count)
            fill(indices, x, labels)
            let (logits, mean, logVariance) = forward(x, labels: labels, sampler: sampler)
            reconstruction += Double(bce.forward(logits, x, weight: Float(imageSize))) * Double(indices.count)
            divergence += Double(kl.forward(mean: mean, logVariance: logVariance)) * Double(indices.count)
        }
        return (reconstruction, divergence)
    }
}
