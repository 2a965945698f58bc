import Backprop

/// Exercise `generator-step` (chapter 3): one step of G with the non-saturating loss.
///
///     gan.sampleZ(): z [B, 100]   G(z): [B, 784]   D(G(z)): a logit [B, 1]
///
/// G learns to make D say "real": its loss is D's loss on G's fakes against `gan.generatorTargets`
/// (all 1), that is −log D(G(z)), not log(1 − D(G(z))). The gradient flows back through D into G,
/// so D must pass a gradient to its input; D itself must not learn here (freeze it). Clear G's
/// gradients, forward, backward through both, one step of G's optimiser. Return the loss.
public func generatorStep(_ gan: GANParts) throws -> Double {
    // BEGIN SOLUTION
    let discriminator = gan.discriminator
    discriminator.isFrozen = true
    discriminator.needsInputGradient = true
    gan.generatorOptimizer.zeroGradients()
    let fake = gan.generator.forward(gan.sampleZ())                     // G(z): [B, 784]
    let loss = Double(gan.loss(discriminator.forward(fake), gan.generatorTargets))   // −log D(G(z))
    let imageGradient = discriminator.backward(gan.lossGradient())      // dLoss/dG(z): [B, 784]
    _ = gan.generator.backward(imageGradient)
    gan.generatorOptimizer.step()
    return loss
    // END SOLUTION
}
