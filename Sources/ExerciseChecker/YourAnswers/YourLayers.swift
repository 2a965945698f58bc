import Backprop
import Exercises

// Layers whose forward pass is the library's and whose backward pass is the learner's answer
// (Sources/Exercises): what `--mine` puts in a chapter's networks. They own no weights of their
// own: the parameters are those of the library's layer they stand in for, so optimisers and
// checkpoints see no difference.

/// An answer's array back into a tensor.
extension Tensor {
    func set(_ values: [Float], what: String) {
        precondition(values.count == count, "your \(what) returned \(values.count) values for a tensor of \(shape)")
        for i in 0..<count { self[i] = values[i] }
    }
}

/// Calls an answer that passed its check (it should not throw; if it does, the run stops and says so).
func yours<T>(_ id: String, _ body: () throws -> T) -> T {
    do { return try body() } catch { fatalError("your answer to \(id) threw \(error) (it passed its check before training)") }
}

/// A Linear layer with the learner's `linearBackward`.
final class YourLinear: Layer {
    let inner: Linear
    private var input: Tensor?
    private let inputGradient = Tensor(shape: [0])
    init(_ inner: Linear) { self.inner = inner }

    var parameters: [Parameter] { inner.parameters }
    var needsInputGradient: Bool {
        get { inner.needsInputGradient }
        set { inner.needsInputGradient = newValue }
    }

    func forward(_ x: Tensor) -> Tensor {
        input = x
        return inner.forward(x)
    }

    func backward(_ dy: Tensor) -> Tensor {
        let x = input!, batch = x.rows
        let (dx, dw, db) = yours("linear-backward") {
            try linearBackward(input: x.values, weight: inner.weight.value.values, outputGradient: dy.values,
                               batch: batch, inputs: inner.inputSize, outputs: inner.outputSize)
        }
        // Backward adds into the gradients (several backward passes may feed one step).
        if !inner.weight.isFrozen { for i in 0..<dw.count { inner.weight.gradient[i] += dw[i] } }
        if !inner.bias.isFrozen { for i in 0..<db.count { inner.bias.gradient[i] += db[i] } }
        inputGradient.reshape(to: x.shape)
        inputGradient.set(dx, what: "linearBackward's dx")
        return inputGradient
    }
}

/// An activation (sigmoid, tanh, LeakyReLU) with the learner's backward pass, from y and dy.
final class YourActivation: Layer {
    let inner: Layer
    let id: String
    let backwardPass: ([Float], [Float]) throws -> [Float]
    private var output: Tensor?
    private let inputGradient = Tensor(shape: [0])

    init(_ inner: Layer, id: String, backward: @escaping ([Float], [Float]) throws -> [Float]) {
        (self.inner, self.id, backwardPass) = (inner, id, backward)
    }

    func forward(_ x: Tensor) -> Tensor {
        let y = inner.forward(x)
        output = y
        return y
    }

    func backward(_ dy: Tensor) -> Tensor {
        let dx = yours(id) { try backwardPass(output!.values, dy.values) }
        inputGradient.reshape(to: dy.shape)
        inputGradient.set(dx, what: id)
        return inputGradient
    }
}

/// Adam with the learner's `adamUpdate`, on the library's Adam's moments (so checkpoints are the same).
final class YourAdam: Optimizer {
    let inner: Adam
    init(_ inner: Adam) { self.inner = inner }

    var parameters: [Parameter] { inner.parameters }
    var stepCount: Int {
        get { inner.stepCount }
        set { inner.stepCount = newValue }
    }
    var state: [(name: String, tensor: Tensor)] { inner.state }

    func step() {
        inner.stepCount += 1
        for (index, parameter) in inner.parameters.enumerated() {
            var w = parameter.value.values, m = inner.firstMoments[index].values, v = inner.secondMoments[index].values
            yours("adam-update") {
                try adamUpdate(weights: &w, gradients: parameter.gradient.values, m: &m, v: &v, step: inner.stepCount,
                               learningRate: inner.learningRate, beta1: inner.beta1, beta2: inner.beta2,
                               epsilon: inner.epsilon, weightDecay: inner.weightDecay)
            }
            parameter.value.set(w, what: "adamUpdate's weights")
            inner.firstMoments[index].set(m, what: "adamUpdate's m")
            inner.secondMoments[index].set(v, what: "adamUpdate's v")
        }
    }
}


/// The VAE's sampler with the learner's `reparameterizeBackward`.
final class YourReparameterize: Reparameterize {
    private let meanGradient = Tensor(shape: [0]), logVarianceGradient = Tensor(shape: [0])

    override func backward(_ dz: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        let (dMean, dLogVariance) = yours("reparameterize-backward") {
            try reparameterizeBackward(outputGradient: dz.values, noise: lastNoise.values, logVariance: lastLogVariance!.values)
        }
        meanGradient.reshape(to: dz.shape)
        logVarianceGradient.reshape(to: dz.shape)
        meanGradient.set(dMean, what: "reparameterizeBackward's dμ")
        logVarianceGradient.set(dLogVariance, what: "reparameterizeBackward's dlog σ²")
        return (meanGradient, logVarianceGradient)
    }
}

/// The VAE's KL term with the learner's `klDivergenceGradient` (times the weight β).
final class YourKLDivergence: KLDivergenceLoss {
    private let meanGradient = Tensor(shape: [0]), logVarianceGradient = Tensor(shape: [0])

    override func backward() -> (mean: Tensor, logVariance: Tensor) {
        let (mean, logVariance, weight) = lastInputs!
        let (dMean, dLogVariance) = yours("kl-gradient") {
            try klDivergenceGradient(mean: mean.values, logVariance: logVariance.values, batch: mean.rows)
        }
        meanGradient.reshape(to: mean.shape)
        logVarianceGradient.reshape(to: mean.shape)
        meanGradient.set(dMean.map { $0 * weight }, what: "klDivergenceGradient's dμ")
        logVarianceGradient.set(dLogVariance.map { $0 * weight }, what: "klDivergenceGradient's dlog σ²")
        return (meanGradient, logVarianceGradient)
    }
}
