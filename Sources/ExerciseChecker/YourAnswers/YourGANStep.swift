import Backprop
import Exercises
import Models

/// Chapter 3's step with the learner's D step and G step where they are plugged in. Inside the
/// learner's steps, `gan.loss` is the learner's `binaryCrossEntropyOnLogits` and the optimisers
/// take the learner's `adamUpdate`, when those are plugged in too; the library's steps keep the
/// library's loss and Adam.
final class YourGANStep: GANTrainingStep {
    let inner: GANStep
    let parts: GANParts
    let usesDiscriminatorStep: Bool, usesGeneratorStep: Bool
    private let lossGradient = Tensor(shape: [0])

    init(_ inner: GANStep, plugged: Set<String>) {
        self.inner = inner
        usesDiscriminatorStep = plugged.contains("discriminator-step")
        usesGeneratorStep = plugged.contains("generator-step")
        let adam = plugged.contains("adam-update")
        func optimizer(_ o: Optimizer) -> Optimizer { adam ? (o as? Adam).map(YourAdam.init) ?? o : o }
        let gradient = lossGradient, bce = inner.bce
        var loss: (Tensor, Tensor) -> Float = { bce.forward($0, $1) }
        var lossBackward: () -> Tensor = { bce.backward() }
        if plugged.contains("bce-logits") {
            loss = { logits, targets in
                let (value, g) = yours("bce-logits") {
                    try binaryCrossEntropyOnLogits(logits: logits.values, targets: targets.values)
                }
                gradient.reshape(to: logits.shape)
                gradient.set(g, what: "binaryCrossEntropyOnLogits's gradient")
                return value
            }
            lossBackward = { gradient }
        }
        parts = GANParts(generator: inner.generator, discriminator: inner.discriminator,
                         generatorOptimizer: optimizer(inner.generatorOptimizer),
                         discriminatorOptimizer: optimizer(inner.discriminatorOptimizer), loss: loss,
                         lossGradient: lossBackward, realTargets: inner.realTargets, fakeTargets: inner.fakeTargets,
                         generatorTargets: inner.generatorTargets,
                         sampleZ: { [unowned inner] in inner.sampleZ(batch: inner.realTargets.rows) })
    }

    var generator: Layer { inner.generator }
    var discriminator: Layer { inner.discriminator }
    var generatorOptimizer: Optimizer { inner.generatorOptimizer }
    var discriminatorOptimizer: Optimizer { inner.discriminatorOptimizer }

    func callAsFunction(real: Tensor) -> GANStepNumbers {
        inner.prepareTargets(batch: real.rows)
        var d = (loss: 0.0, realScore: 0.0, fakeScore: 0.0)
        for _ in 0..<inner.discriminatorSteps {
            d = usesDiscriminatorStep
                ? yours("discriminator-step") { try discriminatorStep(parts, real: real) }
                : inner.discriminatorStep(real: real)
        }
        let g = usesGeneratorStep
            ? yours("generator-step") { try generatorStep(parts) } : inner.generatorStep(batch: real.rows)
        return GANStepNumbers(discriminatorLoss: d.loss, generatorLoss: g, realScore: d.realScore, fakeScore: d.fakeScore)
    }
}
