import Backprop

/// The autoencoders of chapters 1 and 2.
public enum Autoencoder {
    /// Chapter 1: an undercomplete autoencoder. The encoder squeezes 784 pixels into 9 numbers, the
    /// latent vector z; the decoder has to rebuild all 784 pixels from those 9 alone.
    ///
    ///     encoder  x [B, 784] -> 128 -> 64 -> 36 -> 18 -> z [B, 9]          (ReLU between)
    ///     decoder  z [B, 9] -> 18 -> 36 -> 64 -> 128 -> x̂ [B, 784]          (ReLU between, sigmoid at the end)
    public static let encoderSizes = [784, 128, 64, 36, 18, 9]
    public static let decoderSizes = [9, 18, 36, 64, 128, 784]

    public static func undercomplete(
        rng: RandomGenerator
    ) -> (encoder: Sequential, decoder: Sequential, autoencoder: Sequential) {
        let encoder = perceptron(encoderSizes, activation: .relu, rng: rng)
        let decoder = perceptron(decoderSizes, activation: .relu, last: Sigmoid(), rng: rng)
        let autoencoder = Sequential(encoder, decoder)
        autoencoder.needsInputGradient = false      // the input is data: no gradient needed for it
        return (encoder, decoder, autoencoder)
    }

    /// Chapter 2: an overcomplete autoencoder, one wide hidden layer. With more code numbers than
    /// pixels it could pass every pixel straight through; only the noise on its input stops it.
    ///
    ///     x̃ [B, 784] -> h [B, hidden] (ReLU) -> x̂ [B, 784] (sigmoid)
    public static func overcomplete(hidden: Int, rng: RandomGenerator) -> Sequential {
        let autoencoder = Sequential(Linear(784, hidden, rng: rng), ReLU(), Linear(hidden, 784, rng: rng), Sigmoid())
        autoencoder.needsInputGradient = false
        return autoencoder
    }
}
