import Backprop
import Foundation

public extension Report {
    /// The GAN chapters' pictures: the final fixed-z grid, the progress strip, the latent walk; or,
    /// while the run goes (`stripEpochs` nil), the latest epoch's grid, since the strip and the
    /// walk are drawn once, at the end (drawing them every epoch cost chapter 4 5% of its time).
    func ganSamples(epoch: Int, stripEpochs: [Int]?, walk: String) {
        heading("Samples")
        guard let stripEpochs else {
            paragraph("The same 64 latent vectors after epoch \(epoch) (the progress strip and the latent walk are drawn when the run ends):")
            image("64 samples from fixed z", String(format: "epoch-%03d.png", epoch))
            return
        }
        paragraph("The same 64 latent vectors after epoch \(epoch):")
        image("64 samples from fixed z", "samples.png")
        paragraph("Progress: the first row of the fixed-z grid after epochs \(stripEpochs.map(String.init).joined(separator: ", ")):")
        image("one row of samples per chosen epoch", "progress.png")
        paragraph("Interpolation: each row walks in a straight line from one random z to another; \(walk)")
        image("latent interpolation", "interpolation.png")
    }

    /// The GAN chapters' charts (a chart gnuplot did not draw is left out).
    func ganCharts(_ files: GANChartFiles) {
        chart(files.losses, heading: "Losses", caption: "D and G losses")
        chart(files.beliefs, heading: "D(x) and D(G(z))", caption: "D's mean probabilities")
        chart(files.variety, heading: "Variety", caption: "variety of the samples")
    }

    /// The GAN's warnings about its last epoch (if any) and its epoch-by-epoch table.
    func ganEpochs(_ history: [GANEpoch], warnings: [String], dLossMeaning: String) {
        if !warnings.isEmpty {
            heading("Warnings")
            bullets(warnings)
        }
        heading("Training, epoch by epoch")
        paragraph("D loss is \(dLossMeaning); D(x) and D(G(z)) are D's mean probabilities of \"real\". "
                  + "Variety compares the spread of the fixed-z samples with that of real images (1 = as varied).")
        table(["epoch", "D loss", "G loss", "D(x)", "D(G(z))", "variety", "seconds"],
              history.map { ["\($0.epoch)", fixed($0.discriminatorLoss, 3), fixed($0.generatorLoss, 3), fixed($0.realScore, 3),
                             fixed($0.fakeScore, 3), fixed($0.diversity, 2), fixed($0.seconds, 1)] })
    }
}
