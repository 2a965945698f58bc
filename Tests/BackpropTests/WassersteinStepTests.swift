import Foundation
import Testing
@testable import Backprop
@testable import Models

/// Chapter 7's step (Models/Steps/WassersteinStep.swift): the critic's gradient is that of its
/// whole loss, and weight clipping keeps every weight inside its box.
@Suite("The Wasserstein step")
struct WassersteinStepTests {
    func networks(seed: UInt64) -> (Sequential, Sequential) {
        let rng = RandomGenerator(seed: seed)
        let g = perceptron([3, 8, 6], activation: .leakyReLU(slope: 0.2), last: Tanh(), rng: rng)
        let d = perceptron([6, 8, 8, 1], activation: .leakyReLU(slope: 0.2), rng: rng)
        return (g, d)
    }

    @Test func theCriticsGradientIsThatOfItsWholeLoss() {
        // With a learning rate of 0 the step leaves the weights where they were and its gradients in
        // place: they must be those of mean D(G(z)) − mean D(x) + λ (‖∇D(x̂)‖ − 1)² at the step's own
        // fakes and x̂.
        let (g, d) = networks(seed: 4), rng = RandomGenerator(seed: 8)
        let step = WassersteinStep(generator: g, critic: d, constraint: .gradientPenalty(weight: 10), learningRate: 0,
                                   latent: .normal, latentSize: 3, criticSteps: 1, rng: rng)
        let real = randomInput([5, 6], rng: rng)
        _ = step.criticStep(real: real)
        let fake = Tensor(copying: step.fake), interpolated = Tensor(copying: step.interpolated)
        let analytic = d.parameters.map { Tensor(copying: $0.gradient) }
        let penalty = GradientPenalty(weight: 10)
        func mean(_ t: Tensor) -> Double { (0..<t.count).reduce(0.0) { $0 + Double(t[$1]) } / Double(t.count) }
        let tensors = d.parameters.enumerated().map { index, parameter in
            (name: "critic parameter \(index) (\(parameter.name))", value: parameter.value, gradient: analytic[index])
        }
        // A nudge of 1e-3 (not the 1e-2 of the penalty's own check): a bias moves every example's
        // pre-activation at once, and a larger nudge flips some LeakyReLU masks, a jump no derivative sees.
        let results = checkGradients(tensors, epsilon: 1e-3, tolerance: GradientTolerance(absolute: 2e-3, relative: 1e-2)) {
            let p = Double(penalty.forwardBackward(d, at: interpolated))
            return mean(d.forward(fake)) - mean(d.forward(real)) + p
        }
        expectAllPass(results, "the critic's loss")
    }

    @Test func aConditionalCriticsPenaltyIsOnTheImagesGradientOnly() {
        // A conditional critic sees the image and its one-hot label; the penalty's norm is over the
        // image's columns of ∇D(x̂ ⊕ y) only (the label is data). Its loss, written here from the
        // first-order gradient (the critic's own backward, tested elsewhere), must give the step's gradients.
        let rng = RandomGenerator(seed: 11)
        let g = perceptron([3 + 2, 8, 6], activation: .leakyReLU(slope: 0.2), last: Tanh(), rng: rng)
        let d = perceptron([6 + 2, 8, 8, 1], activation: .leakyReLU(slope: 0.2), rng: rng)
        let step = WassersteinStep(generator: g, critic: d, constraint: .gradientPenalty(weight: 10), learningRate: 0,
                                   latent: .normal, latentSize: 3, criticSteps: 1, classes: 2, rng: rng)
        let real = randomInput([5, 6], rng: rng)
        oneHot([0, 1, 1, 0, 1], classes: 2, into: step.labels)
        _ = step.criticStep(real: real)
        func joined(_ images: Tensor) -> Tensor { Tensor(copying: JoinColumns().forward(images, step.labels)) }
        let fake = joined(step.fake), interpolated = joined(step.interpolated), realJoined = joined(real)
        let analytic = d.parameters.map { Tensor(copying: $0.gradient) }
        func mean(_ t: Tensor) -> Double { (0..<t.count).reduce(0.0) { $0 + Double(t[$1]) } / Double(t.count) }
        let tensors = d.parameters.enumerated().map { index, parameter in
            (name: "critic parameter \(index) (\(parameter.name))", value: parameter.value, gradient: analytic[index])
        }
        let results = checkGradients(tensors, epsilon: 1e-3, tolerance: GradientTolerance(absolute: 2e-3, relative: 1e-2)) {
            _ = d.forward(interpolated)
            let ones = Tensor(shape: [5, 1]); ones.fill(1)
            d.parameters.forEach { $0.isFrozen = true }
            d.needsInputGradient = true
            let gradient = d.backward(ones)                     // [5, 8]: 6 image columns, then 2 label columns
            d.parameters.forEach { $0.isFrozen = false }
            var penalty = 0.0
            for row in 0..<5 {
                let norm = (0..<6).reduce(0.0) { $0 + Double(gradient[row, $1] * gradient[row, $1]) }.squareRoot()
                penalty += 10 * (norm - 1) * (norm - 1) / 5
            }
            return mean(d.forward(fake)) - mean(d.forward(realJoined)) + penalty
        }
        expectAllPass(results, "the conditional critic's loss")
    }

    @Test func weightClippingKeepsEveryWeightInItsBox() {
        let (g, d) = networks(seed: 5), rng = RandomGenerator(seed: 9)
        let step = WassersteinStep(generator: g, critic: d, constraint: .weightClipping(limit: 0.01), learningRate: 5e-3,
                                   latent: .normal, latentSize: 3, criticSteps: 2, rng: rng)
        #expect(step.discriminatorOptimizer is RMSProp && step.penalty == nil)
        let before = d.parameters.flatMap { $0.value.values }
        #expect(before.contains { abs($0) > 0.01 }, "the test needs weights outside the box to begin with")
        for _ in 0..<3 { _ = step(real: randomInput([5, 6], rng: rng)) }
        let after = d.parameters.flatMap { $0.value.values }
        #expect(after.allSatisfy { abs($0) <= 0.01 }, "a weight outside [−0.01, 0.01]")
        #expect(after.contains { abs($0) == 0.01 }, "clipping should pin some weights to the box's edge")
    }

    @Test func generatorLearnsAfterEveryCriticStepsThCriticStep() {
        let (g, d) = networks(seed: 6), rng = RandomGenerator(seed: 10)
        let step = WassersteinStep(generator: g, critic: d, constraint: .gradientPenalty(weight: 10), learningRate: 1e-2,
                                   latent: .normal, latentSize: 3, criticSteps: 3, rng: rng)
        var moved: [Bool] = []
        for _ in 0..<7 {
            let before = g.parameters.flatMap { $0.value.values }
            _ = step(real: randomInput([5, 6], rng: rng))
            moved.append(g.parameters.flatMap { $0.value.values } != before)
        }
        #expect(moved == [false, false, true, false, false, true, false], "G should learn after critic steps 3 and 6")
        #expect(step.discriminatorOptimizer.stepCount == 7 && step.generatorOptimizer.stepCount == 2)
    }
}
