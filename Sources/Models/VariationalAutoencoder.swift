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
    /// fc4); the sampler draws its noise ε from `rng` too, during training.
    public init(latentSize: Int, conditional: Bool, imageSize: Int = 784, hiddenSize: Int = 400, rng: RandomGenerator) {
        (self.latentSize, self.imageSize, self.hiddenSize) = (latentSize, imageSize, hiddenSize)
        isConditional = conditional
        let labels = conditional ? Self.classes : 0
        encoder = Sequential(Linear(imageSize + labels, hiddenSize, rng: rng), ReLU())
        meanHead = Linear(hiddenSize, latentSize, rng: rng)
        logVarianceHead = Linear(hiddenSize, latentSize, rng: rng)
        decoder = Sequential(Linear(latentSize + labels, hiddenSize, rng: rng), ReLU(), Linear(hiddenSize, imageSize, rng: rng))
        sampler = Reparameterize(rng: rng)
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
        return "\(imageSize)\(extra)-\(hiddenSize)-(μ \(latentSize), log σ² \(latentSize)); \(latentSize)\(extra)-\(hiddenSize)-\(imageSize)"
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

/// The VAE's loss for one batch, in nats per image: the reconstruction term (binary cross-entropy
/// summed over the pixels), the KL divergence of the codes from N(0, 1), and the loss that is
/// minimised, reconstruction + β · KL (the negative evidence lower bound when β = 1).
public typealias VAELoss = (reconstruction: Double, divergence: Double, loss: Double)
