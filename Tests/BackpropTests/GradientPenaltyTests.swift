import Foundation
import Testing
@testable import Backprop

/// The gradient penalty (Learning/GradientPenalty.swift) and the second backward pass under it
/// (Layers/SecondOrder.swift): its gradient against central differences of the penalty itself, and
/// the four classic ways to get it wrong, each with a test that fails when the mistake is made.
@Suite("The gradient penalty: double backpropagation, checked")
struct GradientPenaltyTests {
    /// A small perceptron critic, as chapter 7's but narrow: 6-8-8-1 with LeakyReLU(0.2), no sigmoid.
    func critic(seed: UInt64 = 3) -> Sequential {
        let rng = RandomGenerator(seed: seed)
        return Sequential(Linear(6, 8, rng: rng), LeakyReLU(slope: 0.2), Linear(8, 8, rng: rng), LeakyReLU(slope: 0.2),
                          Linear(8, 1, rng: rng))
    }

    /// The critic's score of each example, its gradient with respect to that example by central
    /// differences of the raw score (no sigmoid), in Double.
    func numericInputGradient(_ critic: Sequential, _ x: Tensor) -> [[Double]] {
        (0..<x.rows).map { row in
            (0..<x.columns).map { j in
                let original = x[row, j]
                func score(_ value: Float) -> Double {
                    x[row, j] = value
                    defer { x[row, j] = original }
                    return Double(critic.forward(x)[row])
                }
                return (score(original + 1e-3) - score(original - 1e-3)) / 2e-3
            }
        }
    }

    /// dP/dθ as the second backward pass adds it, against central differences of P, for every weight.
    func checkPenaltyGradient(_ critic: Sequential, at x: Tensor, _ what: String) {
        let penalty = GradientPenalty(weight: 10)
        critic.parameters.forEach { $0.gradient.fill(0) }
        _ = penalty.forwardBackward(critic, at: x)
        let analytic = critic.parameters.map { Tensor(copying: $0.gradient) }
        #expect(analytic[0].values.contains { $0 != 0 }, "the penalty gave the first layer no gradient")
        let tensors = critic.parameters.enumerated().map { index, parameter in
            (name: "parameter \(index) (\(parameter.name))", value: parameter.value, gradient: analytic[index])
        }
        let results = checkGradients(tensors, epsilon: 1e-2, tolerance: GradientTolerance(absolute: 2e-3, relative: 1e-2)) {
            Double(penalty.forwardBackward(critic, at: x))
        }
        expectAllPass(results, what)
    }

    @Test func thePenaltysGradientMatchesCentralDifferencesForEveryWeight() {
        checkPenaltyGradient(critic(), at: randomInput([4, 6], rng: RandomGenerator(seed: 11)), "the gradient penalty's dP/dθ")
    }

    @Test func aReLUCriticsPenaltyGradientMatchesCentralDifferences() {
        // Appendix C's critic on points has ReLU: the same second pass with a slope of 0.
        let rng = RandomGenerator(seed: 23)
        let critic = Sequential(Linear(2, 8, rng: rng), ReLU(), Linear(8, 8, rng: rng), ReLU(), Linear(8, 1, rng: rng))
        checkPenaltyGradient(critic, at: randomInput([4, 2], rng: rng), "the ReLU critic's dP/dθ")
    }

    @Test func theConvolutionalCriticsPenaltyGradientMatchesCentralDifferences() {
        // A DCGAN critic in miniature, without BatchNorm: 1x8x8 -> 2x4x4 -> 4x2x2 -> 1. Its activations
        // have slope 1 here: a convolution's pre-activations are many, and a nudge of 1e-2 would flip
        // some of their masks, a jump no derivative sees (LeakyReLU's second pass is checked above).
        let rng = RandomGenerator(seed: 19)
        let critic = Sequential(
            Reshape([1, 8, 8]), Conv2d(1, 2, kernel: 4, stride: 2, padding: 1, rng: rng), LeakyReLU(slope: 1),
            Conv2d(2, 4, kernel: 4, stride: 2, padding: 1, bias: false, rng: rng), LeakyReLU(slope: 1),
            Conv2d(4, 1, kernel: 2, stride: 1, padding: 0, bias: false, rng: rng), Reshape([1]))
        checkPenaltyGradient(critic, at: randomInput([3, 64], rng: rng), "the convolutional critic's dP/dθ")
    }

    @Test func epsilonIsDrawnOncePerExampleNotPerValue() {
        let rng = RandomGenerator(seed: 5)
        let real = randomInput([5, 7], rng: rng), fake = randomInput([5, 7], rng: rng), mixed = Tensor(shape: [0])
        GradientPenalty.interpolate(real, fake, into: mixed, using: rng)
        var epsilons: [Float] = []
        for row in 0..<5 {
            let ratios = (0..<7).map { j in (mixed[row, j] - fake[row, j]) / (real[row, j] - fake[row, j]) }
            #expect(ratios.allSatisfy { abs($0 - ratios[0]) < 1e-4 }, "row \(row) mixes with more than one ε: \(ratios)")
            #expect(ratios[0] >= 0 && ratios[0] <= 1)
            epsilons.append(ratios[0])
        }
        #expect(Set(epsilons.map { ($0 * 1000).rounded() }).count > 1, "every example got the same ε")
    }

    @Test func theNormIsTakenPerExampleOfTheRawScoresGradient() {
        let rng = RandomGenerator(seed: 13)
        let critic = critic(), penalty = GradientPenalty(weight: 10)
        let x = randomInput([4, 6], rng: rng)
        let value = penalty.forwardBackward(critic, at: x)
        // The gradient of the critic's raw score (not of a sigmoid of it), example by example.
        let g = numericInputGradient(critic, x)
        let norms = g.map { row in row.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        #expect(Set(norms.map { ($0 * 100).rounded() }).count > 1, "the examples' norms should differ for this test")
        for (row, norm) in norms.enumerated() {
            #expect(abs(Double(penalty.norms[row]) - norm) < 1e-3 * max(1, norm), "‖g_\(row)‖: \(penalty.norms[row]) vs \(norm)")
        }
        let expected = 10 * norms.reduce(0) { $0 + ($1 - 1) * ($1 - 1) } / Double(norms.count)
        #expect(abs(Double(value) - expected) < 1e-3 * max(1, expected), "P = \(value), by the definition \(expected)")
    }

    @Test func aCriticWithAZeroGradientGetsAFinitePenaltyAndGradient() {
        let critic = critic(), penalty = GradientPenalty(weight: 10)
        for parameter in critic.parameters { parameter.value.fill(0); parameter.gradient.fill(0) }
        let x = randomInput([3, 6], rng: RandomGenerator(seed: 2))
        let value = penalty.forwardBackward(critic, at: x)
        #expect(abs(value - 10) < 1e-4, "with g = 0 the penalty is λ (‖0‖ − 1)² = λ, not \(value)")
        for parameter in critic.parameters {
            #expect(parameter.gradient.values.allSatisfy { $0.isFinite }, "a NaN or infinite gradient where g = 0")
        }
    }

    @Test func theFirstBackwardLeavesTheWeightsGradientsAlone() {
        // Only dP/dθ may be added: dΣD/dθ from the backward pass that computes g is not part of the loss.
        let rng = RandomGenerator(seed: 17)
        let critic = critic(), x = randomInput([4, 6], rng: rng)
        critic.parameters.forEach { $0.gradient.fill(0) }
        _ = GradientPenalty(weight: 0).forwardBackward(critic, at: x)   // λ = 0: dP/dθ = 0
        for parameter in critic.parameters { #expect(parameter.gradient.values.allSatisfy { $0 == 0 }, "\(parameter.name)") }
        #expect(!critic.parameters.contains { $0.isFrozen }, "the critic was left frozen")
    }
}
