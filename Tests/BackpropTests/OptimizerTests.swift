import Testing
@testable import Backprop

@Suite("Optimiser steps computed by hand")
struct OptimizerTests {
    func parameter(_ values: [Float], gradient: [Float]) -> Parameter {
        let p = Parameter("p", shape: [values.count])
        for i in values.indices { p.value[i] = values[i]; p.gradient[i] = gradient[i] }
        return p
    }

    @Test func adamFirstStepMovesByLearningRate() {
        // At t = 1: m = 0.1 g, v = 0.001 g^2; corrected m^ = g, v^ = g^2, so the step is
        // lr * g / (|g| + eps): every weight moves by almost exactly lr against its gradient.
        let p = parameter([1, -2, 0.5], gradient: [0.3, -4, 1e-3])
        let adam = Adam([p], learningRate: 0.1)
        adam.step()
        #expect(abs(p.value[0] - 0.9) < 1e-6)
        #expect(abs(p.value[1] - -1.9) < 1e-6)
        // g = 1e-3: 0.1 * 1e-3 / (1e-3 + 1e-8) = 0.099999
        #expect(abs(p.value[2] - (0.5 - 0.1 * 1e-3 / (1e-3 + 1e-8))) < 1e-6)
    }

    @Test func adamSecondStepWithWeightDecayByHand() {
        let p = parameter([2], gradient: [0.5])
        let adam = Adam([p], learningRate: 0.01, beta1: 0.5, beta2: 0.9, epsilon: 1e-8, weightDecay: 0.1)
        adam.step()
        // Step 1: g = 0.5 + 0.1*2 = 0.7; m = 0.35; v = 0.049; m^ = 0.7; v^ = 0.49; w = 2 - 0.01*0.7/0.7 = 1.99
        #expect(abs(p.value[0] - 1.99) < 1e-6)
        p.gradient[0] = -1
        adam.step()
        // Step 2: g = -1 + 0.199 = -0.801; m = 0.175 - 0.4005 = -0.2255; v = 0.0441 + 0.1*0.641601 = 0.1082601
        // m^ = -0.2255/0.75 = -0.300667; v^ = 0.1082601/0.19 = 0.569790; sqrt = 0.754845
        // w = 1.99 + 0.01 * 0.300667 / 0.754845 = 1.993983
        #expect(abs(p.value[0] - 1.993983) < 2e-6, "got \(p.value[0])")
        #expect(adam.stepCount == 2)
    }

    @Test func rmspropTwoStepsByHand() {
        let p = parameter([1, -1], gradient: [0.5, -2])
        let rms = RMSProp([p], learningRate: 0.01, alpha: 0.9, epsilon: 1e-8)
        rms.step()
        // v = 0.1 g²: 0.025 and 0.4; w −= 0.01 g / sqrt(v): 1 − 0.01·0.5/0.158114 = 0.968377, −1 + 0.01·2/0.632456 = −0.968377
        #expect(abs(p.value[0] - 0.968377) < 2e-6 && abs(p.value[1] - -0.968377) < 2e-6, "got \(p.value.values)")
        p.gradient[0] = 1; p.gradient[1] = 0
        rms.step()
        // v = 0.9·0.025 + 0.1·1 = 0.1225, sqrt 0.35: w = 0.968377 − 0.01/0.35 = 0.939806; v₂ = 0.36, g = 0: unchanged
        #expect(abs(p.value[0] - 0.939806) < 2e-6 && abs(p.value[1] - -0.968377) < 2e-6, "got \(p.value.values)")
        #expect(rms.stepCount == 2 && rms.state.count == 1)
    }

    @Test func sgdWithMomentumByHand() {
        let p = parameter([1, 1], gradient: [0.5, -1])
        let sgd = SGD([p], learningRate: 0.1, momentum: 0.9)
        sgd.step()   // v = g; w = 1 - 0.1 g
        #expect(abs(p.value[0] - 0.95) < 1e-7 && abs(p.value[1] - 1.1) < 1e-7)
        sgd.step()   // v = 0.9 g + g = 1.9 g; w -= 0.19 g
        #expect(abs(p.value[0] - 0.855) < 1e-6 && abs(p.value[1] - 1.29) < 1e-6)
    }

    @Test func zeroGradientsClearsEveryGradient() {
        let p = parameter([1, 2], gradient: [3, 4])
        let adam = Adam([p])
        adam.zeroGradients()
        #expect(p.gradient.values == [0, 0])
    }
}

@Suite("Random numbers")
struct RandomTests {
    @Test func sameSeedSameStreamAndRestoreReplays() {
        let a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        let saved = a.stateWords
        let next = (0..<5).map { _ in a.uniform() }
        a.restore(stateWords: saved)
        #expect(next == (0..<5).map { _ in a.uniform() })
        #expect(RandomGenerator(seed: 43).next() != first[0])
    }

    @Test func normalDrawsHaveMeanZeroAndUnitVariance() {
        let rng = RandomGenerator(seed: 1)
        let t = Tensor(shape: [100_000]); t.fillNormal(using: rng)
        let mean = t.values.reduce(0, +) / Float(t.count)
        let variance = t.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(t.count)
        #expect(abs(mean) < 0.01 && abs(variance - 1) < 0.02, "mean \(mean), variance \(variance)")
        let u = Tensor(shape: [100_000]); u.fillUniform(using: rng, low: -1, high: 1)
        #expect(u.values.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(abs(u.values.reduce(0, +) / Float(u.count)) < 0.01)
    }

    @Test func dropoutIsOffInEvaluationAndKeepsTheMeanInTraining() {
        let rng = RandomGenerator(seed: 9)
        let layer = Dropout(probability: 0.3, rng: rng)
        let x = Tensor(shape: [100, 100], repeating: 1)
        let y = layer.forward(x)
        let zeros = y.values.filter { $0 == 0 }.count
        #expect(abs(Float(zeros) / 10_000 - 0.3) < 0.02)
        #expect(abs(y.values.reduce(0, +) / 10_000 - 1) < 0.03)
        layer.setTraining(false)
        #expect(layer.forward(x).values == x.values)
    }
}
