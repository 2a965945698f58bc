import Backprop

/// The mean of sigmoid(logit) over a batch: D's average probability that these images are real.
public func meanProbability(_ logits: Tensor) -> Double {
    (0..<logits.count).reduce(0.0) { $0 + Double(sigmoid(logits[$1])) } / Double(logits.count)
}

/// A GAN's training step: its two networks and their optimisers (which checkpoints save), and one
/// step on a batch of real images. Chapter 3's `GANStep` and chapters 4 and 6's `SameFakesGANStep`.
public protocol GANTrainingStep: AnyObject {
    var generator: Layer { get }
    var discriminator: Layer { get }
    var generatorOptimizer: Optimizer { get }
    var discriminatorOptimizer: Optimizer { get }
    func callAsFunction(real: Tensor) -> GANStepNumbers
}

/// Adam as the DCGAN paper set it for GANs, and the tutorials after it: β1 = 0.5 (a shorter memory
/// of past gradients than the usual 0.9, since the other network keeps moving the target), β2 = 0.999.
public func ganAdam(_ network: Layer, learningRate: Float) -> Adam {
    Adam(network.parameters, learningRate: learningRate, beta1: 0.5, beta2: 0.999)
}
