import Foundation

/// How a Linear layer's weights and bias start out.
public enum Initializer: Sendable {
    /// PyTorch's default for `nn.Linear`: weights and bias uniform in +-1/sqrt(fanIn), so the
    /// output's scale does not grow with the number of inputs.
    case pytorchDefault
    /// Weights from N(0, std^2), bias zero: the DCGAN and Keras GAN tutorials use std 0.02.
    case normal(std: Float)

    func initialize(weight: Tensor, bias: Tensor, fanIn: Int, using rng: RandomGenerator) {
        switch self {
        case .pytorchDefault:
            let bound = 1 / Float(fanIn).squareRoot()
            weight.fillUniform(using: rng, low: -bound, high: bound)
            bias.fillUniform(using: rng, low: -bound, high: bound)
        case .normal(let std):
            weight.fillNormal(using: rng, std: std)
            bias.fill(0)
        }
    }
}
