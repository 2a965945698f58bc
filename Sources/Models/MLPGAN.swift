import Backprop

/// The perceptron GANs of chapters 3 and 4: G turns z into an image through Linear layers and
/// ends in tanh (images in [-1, 1]); D turns an image into one logit (its probability that the
/// image is real is sigmoid(logit)), with LeakyReLU(0.2) and optional dropout between its layers.
public struct MLPGAN: Sendable {
    public var generatorSizes: [Int]
    public var discriminatorSizes: [Int]
    public var generatorActivation: Activation
    public var discriminatorDropout: Float
    public var initializer: Initializer

    public init(generator: [Int], discriminator: [Int], generatorActivation: Activation, discriminatorDropout: Float,
                initializer: Initializer) {
        generatorSizes = generator
        discriminatorSizes = discriminator
        self.generatorActivation = generatorActivation
        self.discriminatorDropout = discriminatorDropout
        self.initializer = initializer
    }

    public var latentSize: Int { generatorSizes[0] }
    public var imageSize: Int { generatorSizes.last! }

    /// Chapter 3's default (the Keras GAN introduction): G 100-256-512-1024-784, D 784-1024-512-256-1
    /// with dropout 0.3, weights N(0, 0.02).
    public static let digits = MLPGAN(
        generator: [100, 256, 512, 1024, 784], discriminator: [784, 1024, 512, 256, 1],
        generatorActivation: .leakyReLU(slope: 0.2), discriminatorDropout: 0.3, initializer: .normal(std: 0.02))
    /// Chapter 3's `--preset small` (a PyTorch MNIST GAN): G 100-32-64-128-784, D 784-128-64-32-1, dropout 0.2.
    public static let smallDigits = MLPGAN(
        generator: [100, 32, 64, 128, 784], discriminator: [784, 128, 64, 32, 1],
        generatorActivation: .leakyReLU(slope: 0.2), discriminatorDropout: 0.2, initializer: .pytorchDefault)
    /// Chapter 3's `--preset book` (a hands-on GAN article): z of 20, one hidden layer of 100 units each, dropout 0.5.
    public static let bookDigits = MLPGAN(
        generator: [20, 100, 784], discriminator: [784, 100, 1],
        generatorActivation: .leakyReLU(slope: 0.2), discriminatorDropout: 0.5, initializer: .pytorchDefault)
    /// Chapter 4 (the PyTorch tutorial's): G 100-256-512-1024-12288 with ReLU, D 12288-1024-512-256-1, no dropout.
    public static let faces = MLPGAN(
        generator: [100, 256, 512, 1024, 3 * 64 * 64], discriminator: [3 * 64 * 64, 1024, 512, 256, 1],
        generatorActivation: .relu, discriminatorDropout: 0, initializer: .pytorchDefault)

    /// Weights and biases of each network's Linear layers (what `parameterCount` of the built network says).
    public var generatorParameters: Int {
        zip(generatorSizes, generatorSizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
    }
    public var discriminatorParameters: Int {
        zip(discriminatorSizes, discriminatorSizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
    }

    /// G and D, their weights drawn from `rng` (G's first). G's input is noise: it needs no input gradient.
    ///
    ///     G: z [B, latent] -> x̂ [B, image]        D: x [B, image] -> logit [B, 1]
    public func networks(rng: RandomGenerator) -> (generator: Sequential, discriminator: Sequential) {
        let generator = perceptron(
            generatorSizes, activation: generatorActivation, last: Tanh(), initializer: initializer, rng: rng)
        let discriminator = perceptron(
            discriminatorSizes, activation: .leakyReLU(slope: 0.2), dropout: discriminatorDropout,
            initializer: initializer, rng: rng)
        generator.needsInputGradient = false
        return (generator, discriminator)
    }
}

public extension MLPGAN {
    /// The networks and settings of the tutorials chapter 3 grew from (its `--preset`).
    enum Preset: String, CaseIterable, Sendable {
        case classic   // G 100-256-512-1024-784, D 784-1024-512-256-1 with dropout 0.3 (the Keras GAN introduction)
        case small     // G 100-32-64-128-784, D 784-128-64-32-1 with dropout 0.2, z ~ U(-1, 1) (a PyTorch MNIST GAN)
        case book      // z of 20, one hidden layer of 100 units in each network, dropout 0.5 (a hands-on GAN article)

        public var networks: MLPGAN { [MLPGAN.digits, .smallDigits, .bookDigits][index] }
        public var latent: Latent { self == .small ? .uniform : .normal }
        public var learningRate: Float { self == .small ? 0.002 : 2e-4 }
        public var batchSize: Int { self == .classic ? 128 : 64 }
        public var defaultEpochs: Int { [30, 50, 50][index] }
        private var index: Int { Self.allCases.firstIndex(of: self)! }
    }
}
