import Backprop

// The training step of chapters 4 and 6 (PyTorch's DCGAN example), and the one bench times: the
// function that trains is the function that is timed. Chapter 6's text quotes it (the region).

/// One GAN step in which G learns from the very fakes D has just seen: D learns on a batch of real
/// images and a batch of fakes, its loss weighted by `discriminatorLossWeight` (chapter 4: 1/2, the
/// mean of the two losses; chapter 6: 1, their sum); then G learns from the same fakes through a
/// frozen D, with no second pass through G.
public final class SameFakesGANStep: GANTrainingStep {
    public let generator: Layer, discriminator: Layer
    public let generatorOptimizer: Optimizer, discriminatorOptimizer: Optimizer
    public let latentSize: Int, discriminatorLossWeight: Float
    let rng: RandomGenerator
    let bce = BCEWithLogitsLoss()
    let z = Tensor(shape: [0]), realTargets = Tensor(shape: [0]), fakeTargets = Tensor(shape: [0])

    /// Both networks learn with Adam at `learningRate`, β1 = 0.5 (`ganAdam`).
    public init(generator: Layer, discriminator: Layer, learningRate: Float,
                latentSize: Int, discriminatorLossWeight: Float, rng: RandomGenerator) {
        (self.generator, self.discriminator) = (generator, discriminator)
        generatorOptimizer = ganAdam(generator, learningRate: learningRate)
        discriminatorOptimizer = ganAdam(discriminator, learningRate: learningRate)
        (self.latentSize, self.discriminatorLossWeight) = (latentSize, discriminatorLossWeight)
        self.rng = rng
    }

    /// One step on a batch of real images x: [B, C·S·S] in [-1, 1].
    public func callAsFunction(real: Tensor) -> GANStepNumbers {
        let b = real.rows, weight = discriminatorLossWeight
        // region: the step
        realTargets.reshape(to: [b, 1]); realTargets.fill(1)                // "real" (no label smoothing)
        fakeTargets.reshape(to: [b, 1]); fakeTargets.fill(0)                // "fake"

        // The discriminator's step: its losses on a batch of real images and a batch of fakes,
        // each times `weight`. The two batches go through D separately, so each BatchNorm layer
        // normalises real images with real statistics and fakes with fake ones (as the paper does).
        discriminator.isFrozen = false
        discriminator.needsInputGradient = false
        discriminatorOptimizer.zeroGradients()
        let realLogits = discriminator.forward(real)                        // D(x) as logits: [B, 1]
        let realScore = meanProbability(realLogits)
        var dLoss = Double(bce.forward(realLogits, realTargets, weight: weight))   // -log D(x)
        _ = discriminator.backward(bce.backward())

        z.reshape(to: [b, latentSize])
        z.fillNormal(using: rng)                                             // z ~ N(0, 1): [B, 100]
        let fake = generator.forward(z)                                     // G(z): [B, C·S·S], BatchNorm on this batch
        let fakeLogits = discriminator.forward(fake)                        // detached: nothing flows back into G
        let fakeScore = meanProbability(fakeLogits)
        dLoss += Double(bce.forward(fakeLogits, fakeTargets, weight: weight))      // -log(1 - D(G(z)))
        _ = discriminator.backward(bce.backward())
        discriminatorOptimizer.step()

        // The generator's step: make the updated D say "real" about the same fakes. D is frozen
        // (its weights stay, its weight gradients are skipped) and passes the gradient back to
        // the images; G has not changed since it drew them, so no second pass through G.
        discriminator.isFrozen = true
        discriminator.needsInputGradient = true
        generatorOptimizer.zeroGradients()
        let gLoss = Double(bce.forward(discriminator.forward(fake), realTargets))    // -log D(G(z)): non-saturating
        let imageGradient = discriminator.backward(bce.backward())          // dLoss/dG(z): [B, C·S·S]
        _ = generator.backward(imageGradient)
        generatorOptimizer.step()
        // endregion
        return GANStepNumbers(
            discriminatorLoss: dLoss, generatorLoss: gLoss, realScore: realScore, fakeScore: fakeScore)
    }
}
