import Backprop

/// The numbers of one GAN step: both losses and D's mean beliefs about real images and fakes.
public struct GANStepNumbers: Equatable, Sendable {
    public var discriminatorLoss: Double
    public var generatorLoss: Double
    /// Mean D(x): D's probability that a real image is real.
    public var realScore: Double
    /// Mean D(G(z)): D's probability that a fake is real (during D's step).
    public var fakeScore: Double

    public init(discriminatorLoss: Double, generatorLoss: Double, realScore: Double, fakeScore: Double) {
        self.discriminatorLoss = discriminatorLoss
        self.generatorLoss = generatorLoss
        self.realScore = realScore
        self.fakeScore = fakeScore
    }
}

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
