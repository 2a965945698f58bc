import Foundation
import Testing
@testable import Backprop

/// A random input tensor whose values stay at least `margin` away from 0, so a central difference
/// never straddles the kink of ReLU or LeakyReLU.
func randomInput(_ shape: [Int], rng: RandomGenerator, margin: Float = 0.05) -> Tensor {
    let x = Tensor(shape: shape)
    for i in 0..<x.count {
        let magnitude = rng.uniform(margin, 1.5)
        x[i] = rng.uniform() < 0.5 ? -magnitude : magnitude
    }
    return x
}

/// Records every failed result with the worst element and its relative error in the message.
func expectAllPass(_ results: [GradientCheckResult], _ what: String) {
    #expect(!results.isEmpty)
    for result in results {
        #expect(result.passed, "\(what): \(result)")
    }
}

@Suite("Gradient checks: every layer, every loss, whole models")
struct GradientTests {
    let rng = RandomGenerator(seed: 7)

    @Test func linear() {
        let layer = Linear(7, 5, rng: rng)
        expectAllPass(checkLayerGradients(layer, input: randomInput([3, 7], rng: rng), rng: rng), "Linear")
        #expect(layer.parameters.count == 2)
    }

    @Test func linearWithNormalInitAndWideShapes() {
        // Wide enough that the 4x16 tiles, the 8-wide tails and the single columns all take part.
        let layer = Linear(19, 37, initializer: .normal(std: 0.3), rng: rng)
        expectAllPass(checkLayerGradients(layer, input: randomInput([6, 19], rng: rng), rng: rng), "Linear 19x37")
    }

    @Test(arguments: ["ReLU", "LeakyReLU", "Sigmoid", "Tanh"])
    func activation(_ name: String) {
        let layer: Layer = switch name {
        case "ReLU": ReLU()
        case "LeakyReLU": LeakyReLU(slope: 0.2)
        case "Sigmoid": Sigmoid()
        default: Tanh()
        }
        expectAllPass(checkLayerGradients(layer, input: randomInput([4, 9], rng: rng), rng: rng), name)
    }

    @Test func dropoutReplayingTheSameMask() {
        let maskRNG = RandomGenerator(seed: 99)
        let saved = maskRNG.stateWords
        let layer = Dropout(probability: 0.4, rng: maskRNG)
        let results = checkLayerGradients(layer, input: randomInput([5, 8], rng: rng), rng: rng,
                                          beforeForward: { maskRNG.restore(stateWords: saved) })
        expectAllPass(results, "Dropout")
    }

    @Test func sequentialOfEverything() {
        let maskRNG = RandomGenerator(seed: 5)
        let saved = maskRNG.stateWords
        let model = Sequential(Linear(6, 10, rng: rng), LeakyReLU(slope: 0.2), Dropout(probability: 0.3, rng: maskRNG),
                               Linear(10, 8, rng: rng), Tanh(), Linear(8, 3, rng: rng), Sigmoid())
        let results = checkLayerGradients(model, input: randomInput([4, 6], rng: rng), rng: rng,
                                          beforeForward: { maskRNG.restore(stateWords: saved) })
        #expect(results.count == 1 + 6)
        expectAllPass(results, "Sequential")
    }

    /// Checks dLoss/dPrediction of a loss against central differences.
    func checkLoss(prediction: Tensor, target: Tensor, forward: (Tensor, Tensor) -> Float,
                   backward: () -> Tensor) -> [GradientCheckResult] {
        _ = forward(prediction, target)
        let gradient = Tensor(copying: backward())
        return checkGradients([("prediction", prediction, gradient)]) { Double(forward(prediction, target)) }
    }

    @Test func mse() {
        let loss = MSELoss()
        let target = Tensor(shape: [3, 5]); target.fillUniform(using: rng, low: 0, high: 1)
        let prediction = Tensor(shape: [3, 5]); prediction.fillUniform(using: rng, low: 0, high: 1)
        expectAllPass(checkLoss(prediction: prediction, target: target, forward: loss.forward, backward: loss.backward), "MSE")
    }

    @Test func bce() {
        let loss = BCELoss()
        let target = Tensor(shape: [4, 3]); target.fillUniform(using: rng, low: 0, high: 1)
        let prediction = Tensor(shape: [4, 3]); prediction.fillUniform(using: rng, low: 0.1, high: 0.9)
        expectAllPass(checkLoss(prediction: prediction, target: target, forward: loss.forward, backward: loss.backward), "BCE")
    }

    @Test func bceWithLogits() {
        let loss = BCEWithLogitsLoss()
        let target = Tensor(shape: [4, 3]); target.fillUniform(using: rng, low: 0, high: 1)
        let logits = Tensor(shape: [4, 3]); logits.fillUniform(using: rng, low: -4, high: 4)
        expectAllPass(checkLoss(prediction: logits, target: target, forward: { loss.forward($0, $1) }, backward: loss.backward), "BCEWithLogits")
        // With a weight (chapter 4's D loss is (real + fake) / 2): the gradient of the weighted loss.
        expectAllPass(checkLoss(prediction: logits, target: target, forward: { loss.forward($0, $1, weight: 0.5) }, backward: loss.backward),
                      "BCEWithLogits, weight 0.5")
        #expect(abs(loss.forward(logits, target, weight: 0.5) * 2 - loss.forward(logits, target)) < 1e-6)
    }

    @Test func softmaxCrossEntropy() {
        let loss = SoftmaxCrossEntropyLoss()
        let logits = Tensor(shape: [5, 4]); logits.fillUniform(using: rng, low: -3, high: 3)
        let labels = [0, 3, 1, 1, 2]
        expectAllPass(checkLoss(prediction: logits, target: logits, forward: { z, _ in loss.forward(z, labels: labels) },
                                backward: loss.backward), "SoftmaxCrossEntropy")
        // A known case: equal logits over 4 classes cost log 4, and huge logits stay finite.
        #expect(abs(loss.forward(Tensor(shape: [1, 4]), labels: [2]) - log(4)) < 1e-6)
        #expect(abs(loss.forward(Tensor(shape: [1, 3], values: [1000, 0, -1000]), labels: [1]) - 1000) < 1e-3)
        let probabilities = Tensor(shape: [1, 3], values: [1000, 0, -1000])
        softmaxRows(probabilities)
        #expect(probabilities.values == [1, 0, 0])
    }

    @Test func bceWithLogitsIsStableForHugeLogits() {
        let loss = BCEWithLogitsLoss()
        let logits = Tensor(shape: [1, 4], values: [100, -100, 1000, -1000])
        let target = Tensor(shape: [1, 4], values: [0, 1, 1, 0])
        let value = loss.forward(logits, target)
        // Two terms cost 100 and two cost 0 exactly: the mean is 50 (a naive log(sigmoid) gives inf).
        #expect(abs(value - 50) < 1e-3)
        let gradient = loss.backward()
        #expect(gradient.values.allSatisfy { $0.isFinite })
        #expect(abs(gradient[0] - 0.25) < 1e-6 && abs(gradient[1] + 0.25) < 1e-6)
        #expect(gradient[2] == 0 && gradient[3] == 0)
    }

    /// A whole small MLP under each loss: gradients of the loss for input and every parameter.
    @Test(arguments: ["MSE", "BCE", "BCEWithLogits"])
    func wholeModel(_ lossName: String) {
        let model = Sequential(Linear(5, 8, rng: rng), Tanh(), Linear(8, 6, rng: rng), LeakyReLU(slope: 0.1),
                               Linear(6, 4, rng: rng), lossName == "BCEWithLogits" ? Tanh() : Sigmoid())
        let input = randomInput([3, 5], rng: rng)
        let target = Tensor(shape: [3, 4]); target.fillUniform(using: rng, low: 0, high: 1)
        let mse = MSELoss(), bce = BCELoss(), logits = BCEWithLogitsLoss()
        func lossValue() -> Float {
            let y = model.forward(input)
            switch lossName {
            case "MSE": return mse.forward(y, target)
            case "BCE": return bce.forward(y, target)
            default: return logits.forward(y, target)
            }
        }
        _ = lossValue()
        model.parameters.forEach { $0.gradient.fill(0) }
        let dy = lossName == "MSE" ? mse.backward() : lossName == "BCE" ? bce.backward() : logits.backward()
        let dx = Tensor(copying: model.backward(dy))
        var tensors: [(name: String, value: Tensor, gradient: Tensor)] = [("input", input, dx)]
        for (i, p) in model.parameters.enumerated() { tensors.append(("parameter \(i)", p.value, p.gradient)) }
        expectAllPass(checkGradients(tensors) { Double(lossValue()) }, "MLP under \(lossName)")
    }

    /// A sigmoid whose backward forgets the factor (1 - y): the check must catch it.
    final class BrokenSigmoid: Layer {
        let inner = Sigmoid()
        private var output = Tensor(shape: [0])
        private let gradient = Tensor(shape: [0])
        func forward(_ x: Tensor) -> Tensor { output = inner.forward(x); return output }
        func backward(_ dy: Tensor) -> Tensor {
            gradient.reshape(to: dy.shape)
            for i in 0..<dy.count { gradient[i] = dy[i] * output[i] }   // wrong: should be y (1 - y)
            return gradient
        }
    }

    @Test func theCheckCatchesAWrongBackward() {
        let results = checkLayerGradients(BrokenSigmoid(), input: randomInput([3, 4], rng: rng), rng: rng)
        #expect(results.count == 1)
        #expect(!results[0].passed, "a wrong backward passed the check: \(results[0])")
        #expect(results[0].relativeError > 0.1)
        #expect(results[0].description.contains("MISMATCH"))
    }
}

@Suite("Frozen layers and skipped input gradients")
struct FreezingTests {
    @Test func aFrozenModelPassesTheSameInputGradientButLeavesItsWeightsGradientsAlone() {
        let rng = RandomGenerator(seed: 21)
        let model = Sequential(Linear(6, 9, rng: rng), LeakyReLU(slope: 0.2), Sequential(Linear(9, 4, rng: rng)))
        let x = randomInput([5, 6], rng: rng), dy = randomInput([5, 4], rng: rng)
        _ = model.forward(x)
        let thawed = Tensor(copying: model.backward(dy))
        let gradients = model.parameters.map { Tensor(copying: $0.gradient) }
        model.isFrozen = true
        #expect(model.isFrozen)
        _ = model.forward(x)
        let frozen = model.backward(dy)
        #expect(frozen.values == thawed.values)
        for (before, parameter) in zip(gradients, model.parameters) { #expect(parameter.gradient.values == before.values) }
        model.isFrozen = false
        model.needsInputGradient = false
        _ = model.forward(x)
        _ = model.backward(dy)
        // Unfrozen again: the weight gradients grew (they accumulate: now twice the first step's).
        #expect(model.parameters[0].gradient[0] == 2 * gradients[0][0])
        #expect(!model.needsInputGradient)
    }
}
