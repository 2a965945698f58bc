import Backprop
import Exercises
import Models

// Chapter 3's D and G steps, judged against the library's (Sources/Models/Steps/GANStep.swift)
// from the same seed: two twins with the same weights, the same batch and the same random numbers;
// one takes the library's step, the other the learner's; afterwards every weight must agree. A twin
// with one thing changed (a target, a missing step) gives the numbers of each known mistake.

/// A tiny GAN (G 4-8-6, D 6-8-1 with dropout) and chapter 3's step around it.
struct GANTwin {
    static let batch = 5
    let step: GANStep

    init(seed: UInt64 = 2024, realLabel: Float = 0.9) {
        let rng = RandomGenerator(seed: seed)
        let networks = MLPGAN(generator: [4, 8, 6], discriminator: [6, 8, 1], generatorActivation: .leakyReLU(slope: 0.2),
                              discriminatorDropout: 0.3, initializer: .pytorchDefault).networks(rng: rng)
        step = GANStep(generator: networks.generator, discriminator: networks.discriminator, learningRate: 0.01,
                       latent: .normal, latentSize: 4, realLabel: realLabel, discriminatorSteps: 1, rng: rng)
        step.prepareTargets(batch: Self.batch)
    }

    /// What the learner's step gets: this twin's networks, optimisers, loss, targets and noise.
    var parts: GANParts {
        let step = self.step
        return GANParts(generator: step.generator, discriminator: step.discriminator,
                        generatorOptimizer: step.generatorOptimizer, discriminatorOptimizer: step.discriminatorOptimizer,
                        loss: { step.bce.forward($0, $1) }, lossGradient: { step.bce.backward() },
                        realTargets: step.realTargets, fakeTargets: step.fakeTargets,
                        generatorTargets: step.generatorTargets, sampleZ: { step.sampleZ(batch: Self.batch) })
    }

    /// A batch of 5 "images" of 6 values in [−1, 1].
    static let probeBatch = Tensor(shape: [batch, 6], values: CheckNumbers(seed: 92).uniform(batch * 6))

    var discriminatorWeights: [Double] { step.discriminator.parameters.flatMap { $0.value.values }.map(Double.init) }
    var generatorWeights: [Double] { step.generator.parameters.flatMap { $0.value.values }.map(Double.init) }
    /// " (layer 2's weight [3, 1])": where a value of the flattened weights of `network` sits.
    static func place(in network: Layer) -> (Int) -> String {
        { flat in
            var rest = flat
            for (number, parameter) in network.parameters.enumerated() {
                if rest < parameter.value.count {
                    return " (parameter \(number + 1), a \(parameter.name), at \(position(rest, in: parameter.value.shape)))"
                }
                rest -= parameter.value.count
            }
            return "[\(flat)]"
        }
    }

    var discriminatorWeightsNow: [Float] { step.discriminator.parameters.flatMap { $0.value.values } }
    var generatorWeightsNow: [Float] { step.generator.parameters.flatMap { $0.value.values } }
}

private let real: Tensor = {
    let numbers = CheckNumbers(seed: 91)
    return Tensor(shape: [GANTwin.batch, 6], values: numbers.uniform(GANTwin.batch * 6))
}()

private let notCleared = Hint(
    "gradients-not-cleared",
    "Backward adds into the gradients. The first step matched and the second did not: the second step's "
        + "gradients still held the first's. Clear them at the start of every step.")

/// `discriminator-step`.
public enum DiscriminatorStepCheck {
    public static let smoothing = Hint(
        "label-smoothing",
        "D's target for real digits is gan.realTargets (0.9, one-sided label smoothing), not a 1 of your own.")
    public static let fakeTarget = Hint(
        "fake-target", "For G's fakes D must learn to say \"fake\": its target there is 0 (gan.fakeTargets).")
    public static let noStep = Hint(
        "no-step",
        "D's weights did not move. Is D thawed (isFrozen = false: G's step leaves it frozen), and does its "
            + "optimiser take its step?")
    public static let generatorMoved = Hint(
        "generator-moved", "G's weights changed during D's step: only D's optimiser steps here.")

    public static func check(_ answer: (GANParts, Tensor) throws -> (loss: Double, realScore: Double, fakeScore: Double))
        -> Verdict
    {
        judge {
            let library = GANTwin(), learner = GANTwin()
            let before = (d: learner.discriminatorWeights, g: learner.generatorWeights)
            // As G's step leaves them: D frozen, and G's gradients holding that step's values.
            for twin in [library, learner] {
                twin.step.discriminator.isFrozen = true
                for parameter in twin.step.generator.parameters { parameter.gradient.fill(0.1) }
            }
            // The known mistakes, each a twin with one thing changed.
            let unsmoothed = GANTwin(realLabel: 1)
            _ = unsmoothed.step.discriminatorStep(real: real)
            let wrongFake = GANTwin()
            wrongFake.step.fakeTargets.fill(1)
            _ = wrongFake.step.discriminatorStep(real: real)
            for round in 1...2 {
                let expected = library.step.discriminatorStep(real: real)
                let got = try answer(learner.parts, real)
                let context = "D 6-8-1 with dropout, a batch of 5, step \(round) of 2"
                try expectClose("G's weights", learner.generatorWeightsNow, before.g, shape: [before.g.count],
                                how: "unchanged", mistakes: [], context: context, hint: generatorMoved,
                                where: GANTwin.place(in: learner.step.generator))
                var mistakes = [Mistake(noStep, before.d)]
                if round == 1 {
                    mistakes += [Mistake(smoothing, unsmoothed.discriminatorWeights),
                                 Mistake(fakeTarget, wrongFake.discriminatorWeights)]
                }
                try expectClose("D's weights", learner.discriminatorWeightsNow, library.discriminatorWeights,
                                shape: [before.d.count], how: "the library's step from the same seed", mistakes: mistakes,
                                context: context, hint: round == 2 ? notCleared : nil,
                                where: GANTwin.place(in: learner.step.discriminator))
                try expectClose("the loss", Float(got.loss), expected.loss, how: "the library's step", context: context)
                try expectClose("D(x)", Float(got.realScore), expected.realScore, how: "the library's step",
                                context: context)
                try expectClose("D(G(z))", Float(got.fakeScore), expected.fakeScore, how: "the library's step",
                                context: context)
            }
            return "two steps match the library's D step from the same seed (D's weights, G's untouched, loss, D(x), D(G(z)))"
        }
    }
}

/// `generator-step`.
public enum GeneratorStepCheck {
    public static let saturating = Hint(
        "saturating-loss",
        "G's loss here is the non-saturating one: make D say \"real\" (target 1, gan.generatorTargets), "
            + "−log D(G(z)). Minimising log(1 − D(G(z))) gives G almost no gradient while D wins, which is early on.")
    public static let discriminatorLearnt = Hint(
        "discriminator-learnt", "D's weights changed in G's step: freeze D and step only G's optimiser.")
    public static let noGradient = Hint(
        "no-gradient-to-generator",
        "G did not move. G learns only through the gradient D passes back to its input: D must compute it "
            + "(needsInputGradient = true; D's own step turns it off), and G's optimiser must take its step.")

    public static func check(_ answer: (GANParts) throws -> Double) -> Verdict {
        judge {
            let library = GANTwin(), learner = GANTwin(), towardsFake = GANTwin()
            towardsFake.step.generatorTargets.fill(0)
            // As D's step leaves D: thawed, and not computing its input gradient.
            for twin in [library, learner, towardsFake] { twin.step.discriminator.needsInputGradient = false }
            let before = (d: learner.discriminatorWeights, g: learner.generatorWeights)
            let towardsFakeLoss = towardsFake.step.generatorStep(batch: GANTwin.batch)
            for round in 1...2 {
                let expected = library.step.generatorStep(batch: GANTwin.batch)
                let got = try answer(learner.parts)
                let context = "G 4-8-6, D 6-8-1 with dropout, a batch of 5, step \(round) of 2"
                try expectClose("D's weights", learner.discriminatorWeightsNow, before.d, shape: [before.d.count],
                                how: "unchanged", context: context, hint: discriminatorLearnt,
                                where: GANTwin.place(in: learner.step.discriminator))
                try expectClose("the loss", Float(got), expected, how: "the library's step",
                                mistakes: round == 1 ? [Mistake(saturating, [towardsFakeLoss]),
                                                        Mistake(saturating, [-towardsFakeLoss])] : [],
                                context: context)
                try expectClose("G's weights", learner.generatorWeightsNow, library.generatorWeights,
                                shape: [before.g.count], how: "the library's step from the same seed",
                                mistakes: [Mistake(noGradient, before.g)]
                                    + (round == 1 ? [Mistake(saturating, towardsFake.generatorWeights)] : []),
                                context: context, hint: round == 2 ? notCleared : nil,
                                where: GANTwin.place(in: learner.step.generator))
            }
            return "two steps match the library's G step from the same seed (G's weights, D's untouched, the loss)"
        }
    }
}
