import Backprop
import Foundation

/// A picture of a 2-D GAN's game (groundwork for appendix C): the discriminator's belief over the
/// plane as a heat map, the real points and the generator's points on top.
///
/// The square [−extent, extent]² is drawn `side` pixels wide, y upwards. Colours: D's probability
/// of "real" from blue (0, "fake") through white (1/2, "cannot tell") to red (1, "real"); real
/// points black, generated points green, each a 3 x 3 dot.
public struct PlanePicture {
    public var side: Int
    public var extent: Float

    public init(side: Int = 400, extent: Float = 3) {
        precondition(side >= 8 && extent > 0, "PlanePicture: at least 8 pixels and a positive extent")
        (self.side, self.extent) = (side, extent)
    }

    /// The point at the centre of pixel (row, column): rows from the top (largest y).
    public func point(row: Int, column: Int) -> (x: Float, y: Float) {
        let step = 2 * extent / Float(side)
        return (-extent + (Float(column) + 0.5) * step, extent - (Float(row) + 0.5) * step)
    }

    /// The pixel a point falls in, or nil outside the square.
    public func pixel(x: Float, y: Float) -> (row: Int, column: Int)? {
        let step = 2 * extent / Float(side)
        let column = Int(((x + extent) / step).rounded(.down)), row = Int(((extent - y) / step).rounded(.down))
        return (0..<side).contains(row) && (0..<side).contains(column) ? (row, column) : nil
    }

    /// The colour of a probability: blue at 0, white at 1/2, red at 1.
    public static func colour(_ probability: Float) -> (UInt8, UInt8, UInt8) {
        let p = min(max(probability.isNaN ? 0.5 : probability, 0), 1)
        if p < 0.5 {
            let t = p / 0.5                                          // 0: blue, 1: white
            return (UInt8((40 + 215 * t).rounded()), UInt8((70 + 185 * t).rounded()), UInt8((200 + 55 * t).rounded()))
        }
        let t = (p - 0.5) / 0.5                                      // 0: white, 1: red
        return (UInt8((255 - 55 * t).rounded()), UInt8((255 - 215 * t).rounded()), UInt8((255 - 215 * t).rounded()))
    }

    /// Draws the picture: `probabilities` holds D's probability at every pixel centre, row by row
    /// (side x side values, as `point(row:column:)` places them); `real` and `generated` are [N, 2].
    public func draw(probabilities: [Float], real: Tensor, generated: Tensor) -> Image {
        precondition(
            probabilities.count == side * side,
            "PlanePicture: \(probabilities.count) probabilities for \(side) x \(side) pixels")
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for i in 0..<(side * side) {
            let (r, g, b) = Self.colour(probabilities[i])
            (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = (r, g, b)
        }
        func dots(_ points: Tensor, _ colour: (UInt8, UInt8, UInt8)) {
            guard points.count > 0 else { return }
            precondition(points.columns == 2, "PlanePicture: points must be [N, 2] (got \(points.shape))")
            for n in 0..<points.rows {
                guard let (row, column) = pixel(x: points[n, 0], y: points[n, 1]) else { continue }
                for dr in -1...1 {
                    for dc in -1...1 where (0..<side).contains(row + dr) && (0..<side).contains(column + dc) {
                        let i = ((row + dr) * side + column + dc) * 3
                        (pixels[i], pixels[i + 1], pixels[i + 2]) = colour
                    }
                }
            }
        }
        dots(real, (0, 0, 0))
        dots(generated, (0, 160, 60))
        return Image(width: side, height: side, channels: 3, pixels: pixels)
    }
}

public extension PlanePicture {
    /// The centre of every pixel, row by row: [side², 2], the points where a picture's colours are measured.
    func pixelCentres() -> Tensor {
        let points = Tensor(shape: [side * side, 2])
        for row in 0..<side { for column in 0..<side {
            let (x, y) = point(row: row, column: column)
            points[row * side + column, 0] = x; points[row * side + column, 1] = y
        } }
        return points
    }
}
