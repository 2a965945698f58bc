import Backprop

/// What chapter 3's D and G steps work with (exercises `discriminator-step` and `generator-step`):
/// the two networks, their optimisers, the loss on D's logits, the targets, and fresh noise.
public struct GANParts {
    public let generator: Layer, discriminator: Layer
    public let generatorOptimizer: Optimizer, discriminatorOptimizer: Optimizer
    /// The binary cross-entropy of D's logits [B, 1] against targets [B, 1] (the mean over the batch) ...
    public let loss: (_ logits: Tensor, _ targets: Tensor) -> Float
    /// ... and its gradient with respect to those logits, for the most recent `loss`.
    public let lossGradient: () -> Tensor
    /// [B, 1] each: D's target for real images (0.9: label smoothing), for fakes (0), and the
    /// target G wants D to give its fakes (1).
    public let realTargets: Tensor, fakeTargets: Tensor, generatorTargets: Tensor
    /// A fresh batch of z, [B, latent], from the run's random numbers.
    public let sampleZ: () -> Tensor

    public init(generator: Layer, discriminator: Layer, generatorOptimizer: Optimizer,
                discriminatorOptimizer: Optimizer, loss: @escaping (Tensor, Tensor) -> Float,
                lossGradient: @escaping () -> Tensor, realTargets: Tensor, fakeTargets: Tensor,
                generatorTargets: Tensor, sampleZ: @escaping () -> Tensor) {
        (self.generator, self.discriminator) = (generator, discriminator)
        (self.generatorOptimizer, self.discriminatorOptimizer) = (generatorOptimizer, discriminatorOptimizer)
        (self.loss, self.lossGradient) = (loss, lossGradient)
        (self.realTargets, self.fakeTargets, self.generatorTargets) = (realTargets, fakeTargets, generatorTargets)
        self.sampleZ = sampleZ
    }
}
