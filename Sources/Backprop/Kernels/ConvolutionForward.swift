// A convolution without the patch matrix.
//
// `im2col` (Im2col.swift) copies every window into a column of P, four times the image for a
// 4 x 4 window moved by 2 pixels, and far larger than the caches: the copy and the reading of it
// back cost as much as the arithmetic when the layer has few output channels, because each value
// of P is then used only O times. The direct convolution reads the windows where they are.
//
// The output is cut into tiles of 8 positions x 32 output channels (6 x 16 without AVX-512):
// sixteen SIMD registers of sums. For each value (c, p, q) of the window, in order, the tile
// loads the 32 channels' weights once and, for each of its 8 positions, the one pixel that
// position sees there: the pixel at the position's window corner plus the offset of (c, p, q),
// the same offset for every position. So the kernel needs only the 8 corners and a table of
// offsets. The images are first copied with their border of zeros
// (`padding` pixels), so that no window reaches outside its image.
//
//     xp: [B, C, H + 2·pad, W + 2·pad]        the images with their zero border
//     offset[(c, p, q)] = (c·Hp + p)·Wp + q   where (c, p, q) lies from a window's corner
//     corner(b, i, j)   = xp[b, 0, i·s, j·s]
//     y[b, o, i, j]     = Σ_(c,p,q) corner(b, i, j)[offset(c, p, q)] · W[o, (c, p, q)]
//
// Every value is the FMA chain over (c, p, q) from 0, zeros of the border included, as in
// `convolutionForwardNaive` and in the patch-matrix product: bit for bit the same.
//
// Skipping the border. On a small image the border is a large share of what the windows read:
// 4 x 4 windows moved by 2 over an 8 x 8 image with its 1-pixel border read 23% zeros. Their
// products add nothing: s + 0·w is s, for any s but −0. (A sum from +0 is −0 only while every
// product in it was −0 or too small for a float; if it ends so, it may come out +0 where the
// naive kernel has −0: the same zero to every comparison and sum after it.) So on small images
// the kernels skip them. The positions whose windows keep the same rows and columns inside the
// image form rectangles, parts of the output (the edges, the corners, the inside); a tile takes
// positions of one part only and reads through a table of the window values that part keeps,
// and the images need no border at all. On large images (a border under a tenth of what is
// read) the tables would cost more than they save: those images are padded as above.
//
// A window as large as its unpadded image (DCGAN's first and last layers: z onto 4 x 4, 4 x 4
// onto one logit) has one position per image. Its patch matrix is the batch itself, each image a
// row of C·k·k values, and the three kernels are a Linear layer's matrix products (Matmul.swift),
// whose sums run in the same order. The tile would waste most of its rows and lanes on them.

// MARK: - The definition

/// y[b, o, i, j] = Σ_{c, p, q} x[b, c, i·s + p − pad, j·s + q − pad] · W[o, (c, p, q)] + bias[o],
/// the sum over (c, p, q) in that order, from 0 (pixels in the padding are 0).
public func convolutionForwardNaive(
    _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
    _ bias: UnsafePointer<Float>?, _ g: ConvolutionGeometry, outChannels o: Int
) {
    let (ho, wo, k) = (g.outHeight, g.outWidth, g.kernel)
    for b in 0..<g.batch {
        for out in 0..<o {
            for i in 0..<ho {
                for j in 0..<wo {
                    var sum: Float = 0
                    for c in 0..<g.channels {
                        for p in 0..<k {
                            for q in 0..<k {
                                let value = g.pixel(x, b, c, i * g.stride + p - g.padding, j * g.stride + q - g.padding)
                                sum = sum.addingProduct(value, weight[out * g.patch + (c * k + p) * k + q])
                            }
                        }
                    }
                    y[((b * o + out) * ho + i) * wo + j] = bias.map { sum + $0[out] } ?? sum
                }
            }
        }
    }
}

// MARK: - The fast kernel

/// Fast `y[b, o, i, j] = Σ_(c,p,q) x[b, c, i·s + p − pad, j·s + q − pad] · W[o, (c, p, q)]`, no bias, into
/// y as [B, O, Ho, Wo]. The same values as `convolutionForwardNaive`. Allocates nothing once its
/// scratch memory has grown; the positions are split over the cores.
public func convolutionForward(
    _ y: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
    _ g: ConvolutionGeometry, outChannels o: Int, paddedInput: UnsafePointer<Float>? = nil
) {
    if g.windowIsWholeImage {  // y: [B, O] = X: [B, C·k·k] · Wᵀ, each image one row (see above)
        matmulBackwardInput(y, x, weight, m: g.batch, k: o, n: g.patch)
        return
    }
    let scratch = Scratch.forCurrentThread
    let (k, s, pad, ho, wo) = (g.kernel, g.stride, g.padding, g.outHeight, g.outWidth)
    let depth = g.patch, positions = ho * wo
    // The weights as Wᵀ, in panels of `lanes` output channels (zeros past the last channel).
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let stripes = (o + lanes - 1) / lanes
    let panels = scratch.buffer(.weightPanels, count: stripes * depth * lanes)
    Parallel.forEachRange(stripes, unit: 1, work: stripes * depth * lanes) { range in
        for stripe in range {
            let panel = panels + stripe * depth * lanes, channels = min(lanes, o - stripe * lanes)
            for block in stride(from: 0, to: depth, by: 16) {   // 16 values of each row, one cache line
                let end = min(block + 16, depth)
                for lane in 0..<channels {
                    let row = weight + (stripe * lanes + lane) * depth
                    for d in block..<end { panel[d * lanes + lane] = row[d] }
                }
                for lane in channels..<lanes {
                    for d in block..<end { panel[d * lanes + lane] = 0 }
                }
            }
        }
    }
    // The positions in parts, rectangles i0..<i1 x j0..<j1 of y whose windows all have the same
    // rows p0..<p1 and columns q0..<q1 inside the image (`windowCuts`): the window values
    // outside are zeros of the border, whose products change no sum, so a part's tiles skip
    // them. A part's table gives, for each value (c, p, q) it keeps, where it lies from the
    // window's corner x[b, 0, i·s − pad, j·s − pad] and where its weights lie in the panel.
    // Where the border is only a small share of the windows (large images), the parts' scattered
    // rows would cost more than they save: there the images get their border of zeros, and one
    // part (the cuts of images already padded: none) takes every position in order.
    let skips = skipsBorder(g)
    let images = skips ? x : paddedInput ?? paddedImages(x, g, scratch)
    let (height, width, border) = skips ? (g.height, g.width, pad) : (g.height + 2 * pad, g.width + 2 * pad, 0)
    let cutsPerSide = 2 * k + 2
    let cuts = scratch.integers(.cuts, count: 2 * cutsPerSide)
    let rowCuts = windowCuts(size: height, padding: border, positions: ho, g, into: cuts)
    let columnCuts = windowCuts(size: width, padding: border, positions: wo, g, into: cuts + cutsPerSide)
    let partCount = (rowCuts - 1) * (columnCuts - 1)
    let parts = scratch.integers(.parts, count: 6 * partCount)   // (i0, i1, j0, j1, first table entry, depth) each
    // The window rows p (or columns q) inside the image for output row (or column) `first`.
    func inside(_ first: Int, _ size: Int) -> Range<Int> {
        max(0, border - first * s)..<min(k, size + border - first * s)
    }
    var entries = 0
    for a in 0..<rowCuts - 1 {
        for c in 0..<columnCuts - 1 {
            let (i0, j0) = (cuts[a], cuts[cutsPerSide + c])
            let part = parts + 6 * (a * (columnCuts - 1) + c)
            (part[0], part[1], part[2], part[3], part[4]) = (i0, cuts[a + 1], j0, cuts[cutsPerSide + c + 1], entries)
            part[5] = g.channels * inside(i0, height).count * inside(j0, width).count
            entries += part[5]
        }
    }
    let table = scratch.integers(.windowOffsets, count: 2 * entries), offsets = table, panelRows = table + entries
    var entry = 0
    for index in 0..<partCount {
        let part = parts + 6 * index, (i0, j0) = (part[0], part[2])
        for c in 0..<g.channels {
            for p in inside(i0, height) {
                for q in inside(j0, width) {
                    offsets[entry] = (c * height + p) * width + q
                    panelRows[entry] = ((c * k + p) * k + q) * lanes
                    entry += 1
                }
            }
        }
    }
    // 8 images at a time (4 and 16 were slower on the small images).
    let tiles = PartTiles(
        batch: g.batch, blockImages: 8, tileRows: tileRows, parts: partCount,
        table: scratch.integers(.tileTable, count: 3 * partCount + 2)
    ) {
        let part = parts + 6 * $0
        return (part[1] - part[0]) * (part[3] - part[2])
    }
    let groupTiles = 8   // a group of tiles shares each panel while it stays in the L2 cache
    Parallel.forEachRange(tiles.count, unit: 1, work: g.rows * o * depth) { range in
        let integers = Scratch.forCurrentThread.integers(.tileRows, count: 2 * groupTiles * tileRows + 3 * groupTiles)
        let sums = Scratch.forCurrentThread.buffer(.tileSums, count: groupTiles * tileRows * lanes)
        let corners = integers, targets = integers + groupTiles * tileRows
        let tileParts = targets + groupTiles * tileRows, tileStarts = tileParts + groupTiles,
            tileSizes = tileStarts + groupTiles
        for groupStart in stride(from: range.lowerBound, to: range.upperBound, by: groupTiles) {
            let groupEnd = min(groupStart + groupTiles, range.upperBound)
            var kept = 0
            // each tile's positions (b, i, j): their windows' corners and places in y
            for tile in groupStart..<groupEnd {
                let (index, image, point, rows) = tiles.locate(tile)
                let part = parts + 6 * index, (i0, i1, j0, j1) = (part[0], part[1], part[2], part[3])
                var b = image, i = i0 + point / (j1 - j0), j = j0 + point % (j1 - j0)
                for r in kept..<kept + rows {   // counted on, not divided out
                    corners[r] = b * g.channels * height * width + (i * s - border) * width + j * s - border
                    targets[r] = b * o * positions + i * wo + j
                    j += 1
                    if j == j1 { j = j0; i += 1; if i == i1 { i = i0; b += 1 } }
                }
                (tileParts[tile - groupStart], tileStarts[tile - groupStart], tileSizes[tile - groupStart]) = (
                    index, kept, rows
                )
                kept += rows
            }
            for stripe in 0..<stripes {
                let panel = panels + stripe * depth * lanes, channels = min(lanes, o - stripe * lanes)
                for tile in 0..<groupEnd - groupStart {
                    let part = parts + 6 * tileParts[tile], first = tileStarts[tile]
                    let full = part[5] == depth  // the whole window inside: the panel row by row
                    directTile(
                        wide: wide, images, corners + first, rows: tileSizes[tile], offsets + part[4], depth: part[5],
                        panel,
                        panelRows: full ? nil : panelRows + part[4], sums + first * lanes, .store)
                }
                // Each channel's sums to its plane in y, position after position: the stores run
                // along a line of y instead of jumping a plane at each channel. Sixteen positions
                // side by side in y go as a 16 x 16 block turned round in registers
                // (Transpose.swift), 16 channels at a time; the rest value by value.
                let target = y + stripe * lanes * positions
                for first in stride(from: 0, to: kept, by: 16) {
                    let rows = min(16, kept - first)
                    var lane = 0
                    if rows == 16 && targets[first + 15] == targets[first] + 15 {
                        while lane + 16 <= channels {
                            transpose16x16(
                                sums + first * lanes + lane, stride: lanes,
                                into: target + lane * positions + targets[first], stride: positions)
                            lane += 16
                        }
                    }
                    for lane in lane..<channels {
                        scatter(
                            sums + first * lanes + lane, every: lanes, count: rows, to: target + lane * positions,
                            at: targets + first)
                    }
                }
            }
        }
    }
}
