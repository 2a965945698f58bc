import Backprop

// The training step of chapters 1 and 2, and the one bench times: the function that trains is the
// function that is timed. The chapters' texts quote it (the region below).

/// One optimiser step of an autoencoder: reconstruct `target` from `input` under the mean squared
/// error. Chapter 1 passes the same batch twice (the target is the input); chapter 2 passes a
/// damaged copy as the input and the clean images as the target.
public final class AutoencoderStep {
    public let model: Layer
    public let optimizer: Optimizer
    let loss = MSELoss()

    public init(model: Layer, optimizer: Optimizer) {
        self.model = model
        self.optimizer = optimizer
    }

    /// One step on a batch x: [B, 784]; returns the batch's loss.
    public func callAsFunction(input: Tensor, target: Tensor) -> Float {
        // region: the step
        optimizer.zeroGradients()
        let reconstruction = model.forward(input)         // x̂ = decoder(encoder(input))
        let value = loss.forward(reconstruction, target)  // L = mean((x̂ − target)²), the target the clean image
        _ = model.backward(loss.backward())               // dL/dw for every weight, layer by layer
        optimizer.step()                                  // every weight takes a small step downhill
        // endregion
        return value
    }
}
