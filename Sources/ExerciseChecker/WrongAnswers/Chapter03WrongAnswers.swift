import Backprop
import Exercises
import Foundation
import Models

/// The stable loss with switches for the classic mistakes; `naive` writes it as it reads.
private func crossEntropyWith(naive: Bool = false, sum: Bool = false, sign: Float = 1)
    -> ([Float], [Float]) throws -> (loss: Float, gradient: [Float])
{
    { z, t in
        var loss: Float = 0
        var gradient = [Float](repeating: 0, count: z.count)
        let scale: Float = sum ? 1 : 1 / Float(z.count)
        for i in 0..<z.count {
            let p = 1 / (1 + exp(-z[i]))   // σ(z): e^100 is inf for z = −100, and σ(100) is exactly 1
            loss -= naive ? t[i] * log(p) + (1 - t[i]) * log(1 - p)
                : -(max(z[i], 0) - z[i] * t[i] + log1p(exp(-abs(z[i]))))
            gradient[i] = sign * scale * (p - t[i])
        }
        return (loss * scale, gradient)
    }
}

/// Chapter 3's D step, as a learner writes it, with switches for the classic mistakes.
private func discriminatorStepWith(realLabelOne: Bool = false, fakeTargetOne: Bool = false, clear: Bool = true,
                                   thaw: Bool = true, stepGenerator: Bool = false)
    -> (GANParts, Tensor) throws -> (loss: Double, realScore: Double, fakeScore: Double)
{
    { gan, real in
        if thaw { gan.discriminator.isFrozen = false }
        gan.discriminator.needsInputGradient = false
        if clear { gan.discriminatorOptimizer.zeroGradients() }
        let ones = Tensor(shape: gan.realTargets.shape, repeating: 1)
        let realLogits = gan.discriminator.forward(real)
        let realScore = meanProbability(realLogits)
        var loss = Double(gan.loss(realLogits, realLabelOne ? ones : gan.realTargets))
        _ = gan.discriminator.backward(gan.lossGradient())
        let fakeLogits = gan.discriminator.forward(gan.generator.forward(gan.sampleZ()))
        let fakeScore = meanProbability(fakeLogits)
        loss += Double(gan.loss(fakeLogits, fakeTargetOne ? ones : gan.fakeTargets))
        _ = gan.discriminator.backward(gan.lossGradient())
        gan.discriminatorOptimizer.step()
        if stepGenerator { gan.generatorOptimizer.step() }
        return (loss, realScore, fakeScore)
    }
}

/// Chapter 3's G step, as a learner writes it, with switches for the classic mistakes.
private func generatorStepWith(saturating: Bool = false, freeze: Bool = true, stepDiscriminator: Bool = false,
                               inputGradient: Bool = true, clear: Bool = true) -> (GANParts) throws -> Double {
    { gan in
        if freeze { gan.discriminator.isFrozen = true }
        if inputGradient { gan.discriminator.needsInputGradient = true }
        if clear { gan.generatorOptimizer.zeroGradients() }
        let logits = gan.discriminator.forward(gan.generator.forward(gan.sampleZ()))
        // Saturating: minimise log(1 − D(G(z))) = −(the loss against "fake"), so its gradient is negated.
        let loss = Double(gan.loss(logits, saturating ? gan.fakeTargets : gan.generatorTargets))
        let gradient = gan.lossGradient()
        if saturating { for i in 0..<gradient.count { gradient[i] = -gradient[i] } }
        _ = gan.generator.backward(gan.discriminator.backward(gradient))
        gan.generatorOptimizer.step()
        if stepDiscriminator { gan.discriminatorOptimizer.step() }
        return saturating ? -loss : loss
    }
}

let chapter03WrongAnswers: [WrongAnswer] = [
    WrongAnswer("tanh-backward", "1 − y, not 1 − y²", hint: "missing-square") {
        TanhBackwardCheck.check { y, dy in zip(y, dy).map { $1 * (1 - $0) } }
    },
    WrongAnswer("tanh-backward", "tanh applied to y again", hint: "applied-twice") {
        TanhBackwardCheck.check { y, dy in zip(y, dy).map { $1 * (1 - tanh($0) * tanh($0)) } }
    },
    WrongAnswer("tanh-backward", "dy forgotten", hint: "chain-rule") {
        TanhBackwardCheck.check { y, _ in y.map { 1 - $0 * $0 } }
    },

    WrongAnswer("tanh-backward", "the gradient negated", hint: "sign") {
        TanhBackwardCheck.check { y, dy in zip(y, dy).map { -$1 * (1 - $0 * $0) } }
    },

    WrongAnswer("leaky-relu-backward", "ReLU's backward: 0 where x < 0", hint: "negative-side-blocked") {
        LeakyReLUBackwardCheck.check { y, dy, _ in zip(y, dy).map { $0 > 0 ? $1 : 0 } }
    },
    WrongAnswer("leaky-relu-backward", "the slope on the wrong side", hint: "sides-swapped") {
        LeakyReLUBackwardCheck.check { y, dy, slope in zip(y, dy).map { $0 > 0 ? slope * $1 : $1 } }
    },
    WrongAnswer("leaky-relu-backward", "dy times y", hint: "scaled-by-output") {
        LeakyReLUBackwardCheck.check { y, dy, _ in zip(y, dy).map { $0 * $1 } }
    },
    WrongAnswer("leaky-relu-backward", "the slopes without dy", hint: "chain-rule") {
        LeakyReLUBackwardCheck.check { y, _, slope in y.map { $0 > 0 ? 1 : slope } }
    },
    WrongAnswer("leaky-relu-backward", "the gradient negated", hint: "sign") {
        LeakyReLUBackwardCheck.check { y, dy, slope in zip(y, dy).map { $0 > 0 ? -$1 : -slope * $1 } }
    },

    WrongAnswer("bce-logits", "the loss as it reads (overflows)", hint: "overflow") {
        BinaryCrossEntropyCheck.check(crossEntropyWith(naive: true))
    },
    WrongAnswer("bce-logits", "a sum, not a mean", hint: "sum-not-mean") {
        BinaryCrossEntropyCheck.check(crossEntropyWith(sum: true))
    },
    WrongAnswer("bce-logits", "t − σ(z), not σ(z) − t", hint: "sign") {
        BinaryCrossEntropyCheck.check(crossEntropyWith(sign: -1))
    },

    WrongAnswer("discriminator-step", "real target 1, not gan.realTargets", hint: "label-smoothing") {
        DiscriminatorStepCheck.check(discriminatorStepWith(realLabelOne: true))
    },
    WrongAnswer("discriminator-step", "fakes' target 1", hint: "fake-target") {
        DiscriminatorStepCheck.check(discriminatorStepWith(fakeTargetOne: true))
    },
    WrongAnswer("discriminator-step", "gradients not cleared", hint: "gradients-not-cleared") {
        DiscriminatorStepCheck.check(discriminatorStepWith(clear: false))
    },
    WrongAnswer("discriminator-step", "D left frozen", hint: "no-step") {
        DiscriminatorStepCheck.check(discriminatorStepWith(thaw: false))
    },
    WrongAnswer("discriminator-step", "G's optimiser steps too", hint: "generator-moved") {
        DiscriminatorStepCheck.check(discriminatorStepWith(stepGenerator: true))
    },

    WrongAnswer("generator-step", "the saturating loss, log(1 − D(G(z)))", hint: "saturating-loss") {
        GeneratorStepCheck.check(generatorStepWith(saturating: true))
    },
    WrongAnswer("generator-step", "D not frozen and stepped", hint: "discriminator-learnt") {
        GeneratorStepCheck.check(generatorStepWith(freeze: false, stepDiscriminator: true))
    },
    WrongAnswer("generator-step", "D's input gradient left off", hint: "no-gradient-to-generator") {
        GeneratorStepCheck.check(generatorStepWith(inputGradient: false))
    },
    WrongAnswer("generator-step", "gradients not cleared", hint: "gradients-not-cleared") {
        GeneratorStepCheck.check(generatorStepWith(clear: false))
    },
]
