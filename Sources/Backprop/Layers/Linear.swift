/// A fully connected layer: every output is a weighted sum of every input, plus a bias.
///
///     x: [B, In]   W: [In, Out]   b: [Out]   y: [B, Out]
///     forward:   y  = x · W + b
///     backward:  dW += x^T · dy      (each weight: its input times its output's gradient)
///                db += sum over the batch of dy
///                dx  = dy · W^T      (each input: the gradients of the outputs it fed)
public final class Linear: Layer {
    public let inputSize: Int
    public let outputSize: Int
    public let weight: Parameter   // [In, Out]
    public let bias: Parameter     // [Out]
    /// False when the input is data: dx is then not computed (see `Layer.needsInputGradient`).
    public var needsInputGradient = true

    private var input: Tensor?                         // remembered by forward for backward
    private let output = Tensor(shape: [0])
    private let inputGradient = Tensor(shape: [0])
    /// dy of the last backward, and the second pass's output (Layers/SecondOrder.swift).
    private(set) var lastOutputGradient: Tensor?
    let outputGradientGradient = Tensor(shape: [0])

    public init(_ inputSize: Int, _ outputSize: Int, initializer: Initializer = .pytorchDefault,
                rng: RandomGenerator) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Parameter("weight", shape: [inputSize, outputSize])
        bias = Parameter("bias", shape: [outputSize])
        initializer.initialize(weight: weight.value, bias: bias.value, fanIn: inputSize, using: rng)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.columns == inputSize, "Linear(\(inputSize), \(outputSize)) got input of shape \(x.shape)")
        let batch = x.rows
        input = x
        output.reshape(to: [batch, outputSize])
        matmulForward(output.data, x.data, weight.value.data, bias.value.data, m: batch, k: inputSize, n: outputSize)
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("Linear.backward called before forward") }
        let batch = x.rows
        lastOutputGradient = dy
        precondition(
            dy.shape == [batch, outputSize],
            "Linear.backward: dy has shape \(dy.shape), expected \([batch, outputSize])")
        if !weight.isFrozen {  // frozen (a GAN's D during G's step): dW is not needed
            matmulBackwardWeights(weight.gradient.data, x.data, dy.data, m: batch, k: inputSize, n: outputSize)
        }
        if !bias.isFrozen {
            // db += sum over the batch of dy
            addColumnSums(of: dy.data, rows: batch, columns: outputSize, to: bias.gradient.data)
        }
        inputGradient.reshape(to: [batch, inputSize])
        if needsInputGradient {
            matmulBackwardInput(inputGradient.data, dy.data, weight.value.data, m: batch, k: inputSize, n: outputSize)
        }
        return inputGradient
    }
}
