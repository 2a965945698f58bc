import Backprop

// The digit classifier's training step (appendix A): softmax cross-entropy, one Adam step.

/// One step of a classifier: the logits of a batch, the softmax cross-entropy against its labels,
/// backward, and one Adam step. The learning rate is the caller's to change (a schedule).
public final class ClassifierStep {
    public let network: Layer
    public let optimizer: Adam
    let loss = SoftmaxCrossEntropyLoss()

    public init(network: Layer, learningRate: Float) {
        self.network = network
        optimizer = Adam(network.parameters, learningRate: learningRate)
    }

    /// One step on images x: [B, 784] in [0, 1] and their labels; returns the batch's mean loss.
    public func callAsFunction(images x: Tensor, labels: [Int]) -> Float {
        optimizer.zeroGradients()
        let logits = network.forward(x)                    // [B, 10]
        let value = loss.forward(logits, labels: labels)   // mean of −log p(label)
        _ = network.backward(loss.backward())
        optimizer.step()
        return value
    }
}
