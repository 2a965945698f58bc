/// The loss of a VAE, split into its parts, in nats per image: the reconstruction term, the KL
/// divergence, and the loss that is minimised (reconstruction + β · KL). One step's numbers, and
/// a data set's.
public struct VAELoss: Codable, Equatable, Sendable {
    public var reconstruction: Double
    public var divergence: Double
    public var loss: Double

    public init(reconstruction: Double, divergence: Double, loss: Double) {
        self.reconstruction = reconstruction
        self.divergence = divergence
        self.loss = loss
    }
}
