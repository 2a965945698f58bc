import Backprop

// The training step of chapter 7's Wasserstein GAN with gradient penalty (Gulrajani et al. 2017),
// and the one bench times. D is a critic: no sigmoid, its score is any real number, and the
// difference of its mean scores on real and fake images estimates the Wasserstein-1 distance
// between them, as long as it is 1-Lipschitz, which the gradient penalty asks of it.

/// One step: the critic learns `criticSteps` times, then G once.
public final class WassersteinGPStep: GANTrainingStep {
    public let generator: Layer, discriminator: Layer
    public let generatorOptimizer: Optimizer, discriminatorOptimizer: Optimizer
    public let latent: Latent, latentSize: Int, criticSteps: Int
    public let penalty: GradientPenalty
    let rng: RandomGenerator
    let z = Tensor(shape: [0]), fake = Tensor(shape: [0]), interpolated = Tensor(shape: [0])
    let scoreGradient = Tensor(shape: [0])

    /// Adam as the paper sets it for WGAN-GP: β1 = 0 (no momentum: the critic's target moves every
    /// step), β2 = 0.9; λ = 10.
    public init(generator: Layer, critic: TwiceDifferentiable, learningRate: Float = 1e-4, penaltyWeight: Float = 10,
                latent: Latent, latentSize: Int, criticSteps: Int, rng: RandomGenerator) {
        (self.generator, discriminator) = (generator, critic)
        generatorOptimizer = Adam(generator.parameters, learningRate: learningRate, beta1: 0, beta2: 0.9)
        discriminatorOptimizer = Adam(critic.parameters, learningRate: learningRate, beta1: 0, beta2: 0.9)
        penalty = GradientPenalty(weight: penaltyWeight)
        (self.latent, self.latentSize, self.criticSteps, self.rng) = (latent, latentSize, criticSteps, rng)
    }

    public func callAsFunction(real: Tensor) -> GANStepNumbers {
        var c = (loss: 0.0, real: 0.0, fake: 0.0)
        for _ in 0..<criticSteps { c = criticStep(real: real) }
        let g = generatorStep(batch: real.rows)
        // For a critic, "scores" are its mean raw scores, not probabilities.
        return GANStepNumbers(discriminatorLoss: c.loss, generatorLoss: g, realScore: c.real, fakeScore: c.fake)
    }

    /// The critic's step: its loss mean D(G(z)) − mean D(x) + λ (‖∇D(x̂)‖ − 1)², and its mean scores.
    public func criticStep(real: Tensor) -> (loss: Double, real: Double, fake: Double) {
        let critic = discriminator as! TwiceDifferentiable, b = real.rows
        // region: the critic step
        critic.isFrozen = false
        discriminatorOptimizer.zeroGradients()
        latent.sample(z, count: b, size: latentSize, using: rng)             // z: [B, 100]
        fake.reshape(to: real.shape)
        fake.copy(from: generator.forward(z))                               // G(z): [B, 784], a constant here
        GradientPenalty.interpolate(real, fake, into: interpolated, using: rng)   // x̂, one ε per image
        let penaltyValue = penalty.forwardBackward(critic, at: interpolated)      // adds dP/dθ (double backprop)

        critic.needsInputGradient = false                                   // its inputs are data here
        scoreGradient.reshape(to: [b, 1])
        let fakeScore = mean(critic.forward(fake))                          // mean D(G(z))
        scoreGradient.fill(1 / Float(b))                                    // d mean / d score
        _ = critic.backward(scoreGradient)
        let realScore = mean(critic.forward(real))                          // mean D(x)
        scoreGradient.fill(-1 / Float(b))                                   // the loss has −mean D(x)
        _ = critic.backward(scoreGradient)
        discriminatorOptimizer.step()
        // endregion
        return (fakeScore - realScore + Double(penaltyValue), realScore, fakeScore)
    }

    /// G's step: make the critic score G's images high (loss −mean D(G(z))), through a frozen critic.
    public func generatorStep(batch b: Int) -> Double {
        // region: the G step
        discriminator.isFrozen = true
        discriminator.needsInputGradient = true
        generatorOptimizer.zeroGradients()
        latent.sample(z, count: b, size: latentSize, using: rng)
        let score = mean(discriminator.forward(generator.forward(z)))      // mean D(G(z))
        scoreGradient.reshape(to: [b, 1]); scoreGradient.fill(-1 / Float(b))   // loss −mean D(G(z))
        _ = generator.backward(discriminator.backward(scoreGradient))
        generatorOptimizer.step()
        // endregion
        return -score
    }

    private func mean(_ scores: Tensor) -> Double {
        (0..<scores.count).reduce(0.0) { $0 + Double(scores[$1]) } / Double(scores.count)
    }
}
