import Backprop
import Models

/// Exercise `discriminator-step` (chapter 3): one step of D on a batch of real digits and a batch
/// of G's fakes.
///
///     real: [B, 784]   gan.sampleZ(): z [B, 100]   G(z): [B, 784]   D(x): a logit [B, 1]
///
/// D learns, G does not: D's loss is the loss of its logits on the real digits against
/// `gan.realTargets` plus the loss on fresh fakes against `gan.fakeTargets`. Clear D's gradients,
/// run each half forward and backward (backward *adds* into the gradients), then one optimiser
/// step. D's input is data, so it needs no input gradient (`needsInputGradient = false`), and it
/// must not be frozen. Return the loss (the sum of the two halves) and D's mean probability of
/// "real" on each half (`meanProbability(logits)`), measured before the step.
public func discriminatorStep(_ gan: GANParts, real: Tensor) throws
    -> (loss: Double, realScore: Double, fakeScore: Double)
{
    // BEGIN SOLUTION
    let discriminator = gan.discriminator
    discriminator.isFrozen = false
    discriminator.needsInputGradient = false
    gan.discriminatorOptimizer.zeroGradients()
    let realLogits = discriminator.forward(real)                        // D(x) as logits: [B, 1]
    let realScore = meanProbability(realLogits)
    var loss = Double(gan.loss(realLogits, gan.realTargets))            // −log D(x), target 0.9
    _ = discriminator.backward(gan.lossGradient())

    let fake = gan.generator.forward(gan.sampleZ())                     // G(z): [B, 784]
    let fakeLogits = discriminator.forward(fake)
    let fakeScore = meanProbability(fakeLogits)
    loss += Double(gan.loss(fakeLogits, gan.fakeTargets))               // −log(1 − D(G(z)))
    _ = discriminator.backward(gan.lossGradient())                      // G is not touched
    gan.discriminatorOptimizer.step()
    return (loss, realScore, fakeScore)
    // END SOLUTION
}
