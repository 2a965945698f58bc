import Testing
@testable import Backprop

@Suite("Reproducibility")
struct DeterminismTests {
    /// Trains a small model with Adam and dropout for a few steps and returns all its weights.
    func trainedWeights(threads: Int, seed: UInt64) -> [Float] {
        var weights: [Float] = []
        withThreads(threads) {
            let rng = RandomGenerator(seed: seed)
            // Wide enough that the kernels split their work over two threads.
            let model = Sequential(Linear(200, 256, rng: rng), LeakyReLU(slope: 0.2), Dropout(probability: 0.3, rng: rng),
                                   Linear(256, 300, initializer: .normal(std: 0.02), rng: rng), Tanh())
            let loss = MSELoss()
            let optimizer = Adam(model.parameters, learningRate: 1e-3, beta1: 0.5)
            let x = Tensor(shape: [64, 200]), target = Tensor(shape: [64, 300])
            for _ in 0..<5 {
                x.fillNormal(using: rng)
                target.fillUniform(using: rng, low: -1, high: 1)
                optimizer.zeroGradients()
                _ = loss.forward(model.forward(x), target)
                _ = model.backward(loss.backward())
                optimizer.step()
            }
            weights = model.parameters.flatMap { $0.value.values }
        }
        return weights
    }

    @Test func sameSeedSameWeightsOnOneOrTwoThreads() {
        let one = trainedWeights(threads: 1, seed: 11)
        let two = trainedWeights(threads: 2, seed: 11)
        #expect(one.count == 200 * 256 + 256 + 256 * 300 + 300)
        #expect(one.map(\.bitPattern) == two.map(\.bitPattern), "training on 2 threads changed the weights")
        #expect(trainedWeights(threads: 2, seed: 11).map(\.bitPattern) == two.map(\.bitPattern))
        #expect(trainedWeights(threads: 2, seed: 12).map(\.bitPattern) != two.map(\.bitPattern))
    }
}
