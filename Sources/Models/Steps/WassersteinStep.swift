import Backprop

// The training step of chapter 7's Wasserstein GANs, and the one bench times. D is a critic: no
// sigmoid, its score is any real number, and the difference of its mean scores on real and fake
// images estimates the Wasserstein-1 distance between them, as long as the critic is 1-Lipschitz.
// Three ways to keep it so, side by side (`Lipschitz`).

/// How the critic is kept 1-Lipschitz.
public enum Lipschitz: Sendable, Equatable {
    /// WGAN (Arjovsky, Chintala and Bottou, 2017): every weight clipped to [−limit, limit] after each
    /// critic step; RMSProp, as the paper found momentum unstable here.
    case weightClipping(limit: Float)
    /// WGAN-GP (Gulrajani et al. 2017): λ (‖∇D(x̂)‖ − 1)² added to the critic's loss (a second
    /// backward pass); Adam with β1 = 0, β2 = 0.9.
    case gradientPenalty(weight: Float)
    /// SN-GAN (Miyato et al. 2018): the critic's layers divide their weights by their largest
    /// singular value themselves (Layers/SpectralNormalization.swift); the step adds nothing. Adam (0, 0.9).
    case spectralNormalization
}

/// One step: the critic learns from one batch of real images; after every `criticSteps`-th critic
/// step, G learns once (WGAN's algorithm: each critic step sees fresh real images).
public final class WassersteinStep: GANTrainingStep {
    public let generator: Layer, discriminator: Layer
    public let generatorOptimizer: Optimizer, discriminatorOptimizer: Optimizer
    public let latent: Latent, latentSize: Int, criticSteps: Int, constraint: Lipschitz
    public let penalty: GradientPenalty?
    let rng: RandomGenerator
    let z = Tensor(shape: [0]), fake = Tensor(shape: [0]), interpolated = Tensor(shape: [0])
    let scoreGradient = Tensor(shape: [0])
    /// A conditional GAN's labels for the batch, one-hot [B, classes], filled by the caller beside
    /// the real images; they join z on G's way in and the image on the critic's (classes 0: none).
    public let labels = Tensor(shape: [0]), classes: Int
    private let generatorJoin = JoinColumns(), criticJoin = JoinColumns()
    /// G's latest loss, reported by the critic steps between two G steps.
    private var generatorLoss = 0.0

    public init(generator: Layer, critic: Layer, constraint: Lipschitz, learningRate: Float = 1e-4,
                latent: Latent, latentSize: Int, criticSteps: Int, classes: Int = 0, rng: RandomGenerator) {
        (self.generator, discriminator, self.constraint) = (generator, critic, constraint)
        if case .weightClipping = constraint {
            generatorOptimizer = RMSProp(generator.parameters, learningRate: learningRate)
            discriminatorOptimizer = RMSProp(critic.parameters, learningRate: learningRate)
        } else {
            generatorOptimizer = Adam(generator.parameters, learningRate: learningRate, beta1: 0, beta2: 0.9)
            discriminatorOptimizer = Adam(critic.parameters, learningRate: learningRate, beta1: 0, beta2: 0.9)
        }
        if case .gradientPenalty(let weight) = constraint {
            precondition(critic is TwiceDifferentiable, "a gradient penalty needs a critic it can differentiate twice")
            penalty = GradientPenalty(weight: weight)
        } else {
            penalty = nil
        }
        (self.latent, self.latentSize, self.criticSteps, self.classes, self.rng) =
            (latent, latentSize, criticSteps, classes, rng)
    }

    public func callAsFunction(real: Tensor) -> GANStepNumbers {
        precondition(classes == 0 || labels.shape == [real.rows, classes],
                     "the labels \(labels.shape) must be [\(real.rows), \(classes)], one-hot, beside the real images")
        let c = criticStep(real: real)
        // The critic's optimizer counts its steps (checkpoints keep the count): G's turn comes
        // after every criticSteps-th, so a resumed run takes its G steps where the first would have.
        if discriminatorOptimizer.stepCount % criticSteps == 0 { generatorLoss = generatorStep(batch: real.rows) }
        // For a critic, "scores" are its mean raw scores, not probabilities.
        return GANStepNumbers(discriminatorLoss: c.loss, generatorLoss: generatorLoss, realScore: c.real,
                              fakeScore: c.fake)
    }

    /// The critic's step: its loss mean D(G(z)) − mean D(x) (+ the penalty), and its mean scores.
    public func criticStep(real: Tensor) -> (loss: Double, real: Double, fake: Double) {
        let critic = discriminator, b = real.rows
        // region: the critic step
        critic.isFrozen = false
        discriminatorOptimizer.zeroGradients()
        latent.sample(z, count: b, size: latentSize, using: rng)             // z: [B, 100]
        fake.reshape(to: real.shape)
        fake.copy(from: generator.forward(generatorInput(z)))               // G(z): [B, 784], a constant here
        var penaltyValue: Float = 0
        if let penalty, let critic = critic as? TwiceDifferentiable {
            GradientPenalty.interpolate(real, fake, into: interpolated, using: rng)   // x̂, one ε per image
            penaltyValue = penalty.forwardBackward(critic, at: criticInput(interpolated),   // adds dP/dθ
                                                   columns: real.columns)             // (double backprop)
        }
        critic.needsInputGradient = false                                   // its inputs are data here
        scoreGradient.reshape(to: [b, 1])
        let fakeScore = mean(critic.forward(criticInput(fake)))            // mean D(G(z))
        scoreGradient.fill(1 / Float(b))                                    // d mean / d score
        _ = critic.backward(scoreGradient)
        let realScore = mean(critic.forward(criticInput(real)))            // mean D(x)
        scoreGradient.fill(-1 / Float(b))                                   // the loss has −mean D(x)
        _ = critic.backward(scoreGradient)
        discriminatorOptimizer.step()
        if case .weightClipping(let c) = constraint {                       // WGAN: every weight in [−c, c]
            for parameter in critic.parameters {
                let w = parameter.value.data
                for i in 0..<parameter.value.count { w[i] = min(max(w[i], -c), c) }
            }
        }
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
        let score = mean(discriminator.forward(criticInput(generator.forward(generatorInput(z)))))  // mean D(G(z))
        scoreGradient.reshape(to: [b, 1]); scoreGradient.fill(-1 / Float(b))   // loss −mean D(G(z))
        _ = generator.backward(imageGradient(discriminator.backward(scoreGradient)))
        generatorOptimizer.step()
        // endregion
        return -score
    }

    // A conditional GAN (Mirza and Osindero 2014) tells both players the digit: the one-hot label
    // joins z on G's way in and the image on the critic's. The label is data: no gradient for it.
    /// G's input: z [B, Z], or z ⊕ labels [B, Z + classes].
    func generatorInput(_ z: Tensor) -> Tensor { classes == 0 ? z : generatorJoin.forward(z, labels) }
    /// The critic's input: images [B, N], or images ⊕ labels [B, N + classes].
    func criticInput(_ images: Tensor) -> Tensor { classes == 0 ? images : criticJoin.forward(images, labels) }
    /// dLoss/dImage from the gradient of the critic's input: the label's columns dropped.
    func imageGradient(_ dInput: Tensor) -> Tensor { classes == 0 ? dInput : criticJoin.backward(dInput).a }

    private func mean(_ scores: Tensor) -> Double {
        (0..<scores.count).reduce(0.0) { $0 + Double(scores[$1]) } / Double(scores.count)
    }
}

extension Lipschitz: CustomStringConvertible {
    /// How the settings and the report name it.
    public var description: String {
        switch self {
        case .weightClipping(let limit): "weight clipping to [−\(limit), \(limit)]"
        case .gradientPenalty(let weight): "gradient penalty, λ = \(weight)"
        case .spectralNormalization: "spectral normalisation"
        }
    }
}
