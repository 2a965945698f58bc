import Backprop

// The training step of chapter 5, and the one bench times (the function that trains is the
// function that is timed). Chapter 5's text quotes its forward and backward passes (the regions).

/// One step of the variational autoencoder: encode, sample z = μ + σ·ε, decode; the loss is the
/// reconstruction (binary cross-entropy summed over the pixels) plus β times the KL divergence,
/// both per image; back through both paths into μ and log σ², then the encoder.
public final class VAEStep {
    public let vae: VariationalAutoencoder
    public let optimizer: Optimizer
    public let beta: Float
    let bce = BCEWithLogitsLoss(), kl: KLDivergenceLoss

    public init(vae: VariationalAutoencoder, optimizer: Optimizer, beta: Float, kl: KLDivergenceLoss = KLDivergenceLoss()) {
        self.vae = vae
        self.kl = kl
        self.optimizer = optimizer
        self.beta = beta
    }

    /// One step on images x: [B, 784] in [0, 1] and their one-hot labels y: [B, 10] (read only
    /// when the VAE is conditional); returns the batch's loss.
    public func callAsFunction(images x: Tensor, labels: Tensor) -> VAELoss {
        optimizer.zeroGradients()
        let loss = forward(images: x, labels: labels)
        backward()
        optimizer.step()
        return loss
    }

    /// The forward pass: the batch's loss (and what the backward pass needs).
    public func forward(images x: Tensor, labels: Tensor) -> VAELoss {
        let vae = self.vae, beta = self.beta
        // region: the forward pass
        // Forward: a distribution of codes per image, one sample from it, and its decoding.
        let h = vae.encoder.forward(vae.encoderInput(x, labels: labels))          // h: [B, 400]
        let mean = vae.meanHead.forward(h)                                        // μ: [B, Z]
        let logVariance = vae.logVarianceHead.forward(h)                          // log σ²: [B, Z]
        let z = vae.sampler.forward(mean: mean, logVariance: logVariance)         // z = μ + σ·ε: [B, Z]
        let logits = vae.decoder.forward(vae.decoderInput(z, labels: labels))     // [B, 784]; x̂ = sigmoid(logits)

        // The loss, per image: how badly x̂ explains x (binary cross-entropy summed over the
        // 784 pixels), plus β times how far N(μ, σ²) is from N(0, 1) (the KL divergence).
        let reconstruction = bce.forward(logits, x, weight: Float(vae.imageSize))
        let weightedKL = kl.forward(mean: mean, logVariance: logVariance, weight: beta)
        // endregion
        return VAELoss(reconstruction: Double(reconstruction), divergence: Double(kl.divergence),
                       loss: Double(reconstruction + weightedKL))
    }

    /// The backward pass after `forward`: adds the loss's gradient into every parameter's.
    public func backward() {
        let vae = self.vae
        // region: the backward pass
        // Backward: μ and log σ² each get gradient from two places, through z and from the KL
        // term; where two paths meet, their gradients add. Then both heads into h, and h into the encoder.
        let dz = vae.codeGradient(vae.decoder.backward(bce.backward()))           // dL/dz: [B, Z]
        let (dMean, dLogVariance) = vae.sampler.backward(dz)                      // through z = μ + σ·ε
        let fromKL = kl.backward()
        dMean.add(fromKL.mean)                                                    // + β μ / B
        dLogVariance.add(fromKL.logVariance)                                      // + β (σ² − 1) / 2B
        let dh = vae.meanHead.backward(dMean)
        dh.add(vae.logVarianceHead.backward(dLogVariance))                        // h feeds both heads
        _ = vae.encoder.backward(dh)
        // endregion
    }
}
