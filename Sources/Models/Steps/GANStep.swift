import Backprop

// The training step of chapter 3, and the one bench times (the function that trains is the
// function that is timed). Chapter 3's text quotes the D step and the G step (the regions below).

/// One step of chapter 3's GAN: D learns `discriminatorSteps` times on real digits (target
/// `realLabel`, 0.9 being one-sided label smoothing) and on fresh fakes; then G learns, through a
/// frozen D, from another fresh batch of z.
public final class GANStep: GANTrainingStep {
    public let generator: Layer, discriminator: Layer
    public let generatorOptimizer: Optimizer, discriminatorOptimizer: Optimizer
    public let latent: Latent, latentSize: Int, realLabel: Float, discriminatorSteps: Int
    let rng: RandomGenerator
    /// The loss on D's logits, and the targets of the batch ([B, 1] each, set by `prepareTargets`).
    public let bce = BCEWithLogitsLoss()
    public let realTargets = Tensor(shape: [0]), fakeTargets = Tensor(shape: [0]), generatorTargets = Tensor(shape: [0])
    let z = Tensor(shape: [0])

    /// Both networks learn with Adam at `learningRate`, β1 = 0.5 (`ganAdam`).
    public init(generator: Layer, discriminator: Layer, learningRate: Float,
                latent: Latent, latentSize: Int, realLabel: Float, discriminatorSteps: Int, rng: RandomGenerator) {
        (self.generator, self.discriminator) = (generator, discriminator)
        generatorOptimizer = ganAdam(generator, learningRate: learningRate)
        discriminatorOptimizer = ganAdam(discriminator, learningRate: learningRate)
        (self.latent, self.latentSize, self.realLabel, self.discriminatorSteps) = (
            latent, latentSize, realLabel, discriminatorSteps
        )
        self.rng = rng
    }

    /// One step on a batch of real digits x: [B, 784] in [-1, 1].
    public func callAsFunction(real: Tensor) -> GANStepNumbers {
        prepareTargets(batch: real.rows)
        var d = (loss: 0.0, realScore: 0.0, fakeScore: 0.0)
        for _ in 0..<discriminatorSteps { d = discriminatorStep(real: real) }
        let gLoss = generatorStep(batch: real.rows)
        return GANStepNumbers(
            discriminatorLoss: d.loss, generatorLoss: gLoss, realScore: d.realScore, fakeScore: d.fakeScore)
    }

    /// The targets of a batch of `b`: [B, 1] each.
    public func prepareTargets(batch b: Int) {
        realTargets.reshape(to: [b, 1]); realTargets.fill(realLabel)        // "real", smoothed to 0.9
        fakeTargets.reshape(to: [b, 1]); fakeTargets.fill(0)                // "fake"
        generatorTargets.reshape(to: [b, 1]); generatorTargets.fill(1)      // what G wants D to say
    }

    /// The discriminator's step (after `prepareTargets`): its loss, and its mean probability of
    /// "real" on the real digits and on the fakes, before the step.
    public func discriminatorStep(real: Tensor) -> (loss: Double, realScore: Double, fakeScore: Double) {
        let b = real.rows
        // region: the D step
        // The discriminator's step: learn to tell real digits from G's. Its inputs are data (real
        // digits, and fakes it does not pass gradients back to), so it needs no input gradient.
        discriminator.isFrozen = false
        discriminator.needsInputGradient = false
        discriminatorOptimizer.zeroGradients()
        let realLogits = discriminator.forward(real)                        // D(x), as logits [B, 1]
        let realScore = meanProbability(realLogits)
        var dLoss = Double(bce.forward(realLogits, realTargets))            // -log D(x), with the target 0.9
        _ = discriminator.backward(bce.backward())

        latent.sample(z, count: b, size: latentSize, using: rng)             // z ~ N(0, 1): [B, 100]
        let fake = generator.forward(z)                                     // G(z): [B, 784]
        let fakeLogits = discriminator.forward(fake)
        let fakeScore = meanProbability(fakeLogits)
        dLoss += Double(bce.forward(fakeLogits, fakeTargets))               // -log(1 - D(G(z)))
        _ = discriminator.backward(bce.backward())                          // G's weights are not touched here
        discriminatorOptimizer.step()
        // endregion
        return (dLoss, realScore, fakeScore)
    }

    /// The generator's step (after `prepareTargets`) on a fresh batch of `b` z: its loss.
    public func generatorStep(batch b: Int) -> Double {
        // region: the G step
        // The generator's step: learn to make D say "real". The gradient flows back through D
        // into G. D is frozen meanwhile: its weights stay put, and its weight gradients are skipped.
        discriminator.isFrozen = true
        discriminator.needsInputGradient = true
        generatorOptimizer.zeroGradients()
        latent.sample(z, count: b, size: latentSize, using: rng)
        let fake = generator.forward(z)
        let gLoss = Double(bce.forward(discriminator.forward(fake), generatorTargets))   // -log D(G(z)): non-saturating
        let imageGradient = discriminator.backward(bce.backward())          // dLoss/dG(z): [B, 784]
        _ = generator.backward(imageGradient)
        generatorOptimizer.step()
        // endregion
        return gLoss
    }

    /// A fresh batch of `b` z from the step's random numbers: [B, latent].
    public func sampleZ(batch b: Int) -> Tensor {
        latent.sample(z, count: b, size: latentSize, using: rng)
        return z
    }
}
