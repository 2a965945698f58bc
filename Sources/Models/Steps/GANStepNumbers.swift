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
