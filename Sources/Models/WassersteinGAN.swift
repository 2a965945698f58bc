import Backprop

/// Chapter 7's networks: chapter 3's perceptrons (G 100-256-512-1024-784, tanh; D 784-1024-512-256-1,
/// LeakyReLU 0.2), with D a critic: no dropout (the gradient penalty is per example, and noise
/// inside the critic would make its gradient a different one at every call), and with
/// `spectralNorm` every Linear layer of the critic wrapped in `SpectralNormalization`.
/// A conditional GAN's G takes z ⊕ the one-hot digit (110 numbers), its critic the image ⊕ the
/// digit (794).
///
///     G: z [B, 100 (+10)] -> x̂ [B, 784]        critic: x [B, 784 (+10)] -> score [B, 1]
public struct WassersteinGAN: Sendable {
    public var conditional: Bool, spectralNorm: Bool
    public static let classes = 10

    public init(conditional: Bool, spectralNorm: Bool) {
        (self.conditional, self.spectralNorm) = (conditional, spectralNorm)
    }

    public var latentSize: Int { MLPGAN.digits.latentSize }
    public var labelSize: Int { conditional ? Self.classes : 0 }
    public var layout: MLPGAN {
        var sizes = (g: MLPGAN.digits.generatorSizes, d: MLPGAN.digits.discriminatorSizes)
        sizes.g[0] += labelSize
        sizes.d[0] += labelSize
        return MLPGAN(generator: sizes.g, discriminator: sizes.d, generatorActivation: .leakyReLU(slope: 0.2),
                      discriminatorDropout: 0, initializer: .pytorchDefault)
    }

    /// G and the critic, their weights drawn from `rng` (G's first, then the critic's, then the
    /// spectral normalisation's starting vectors u).
    public func networks(rng: RandomGenerator) -> (generator: Sequential, critic: Sequential) {
        let (generator, critic) = layout.networks(rng: rng)
        if spectralNorm { critic.normalizeSpectrally(rng: rng) }
        return (generator, critic)
    }
}
