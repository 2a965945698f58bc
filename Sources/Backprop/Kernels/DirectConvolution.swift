// A convolution without the patch matrix.
//
// `im2col` (Patches.swift) copies every window into a column of P, four times the image for a
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

/// Fast `y[b, o, i, j] = Σ_(c,p,q) x[b, c, i·s + p − pad, j·s + q − pad] · W[o, (c, p, q)]`, no bias, into
/// y as [B, O, Ho, Wo]. The same values as `convolutionForwardNaive`. Allocates nothing once its
/// scratch memory has grown; the positions are split over the cores.
public func convolutionForward(_ y: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                               _ g: ConvolutionGeometry, outChannels o: Int, paddedInput: UnsafePointer<Float>? = nil) {
    if g.windowIsWholeImage {   // y: [B, O] = X: [B, C·k·k] · Wᵀ, each image one row (see above)
        matmulBackwardInput(y, x, weight, m: g.batch, k: o, n: g.patch)
        return
    }
    let scratch = Scratch.forCurrentThread
    let (k, s, pad, ho, wo) = (g.kernel, g.stride, g.padding, g.outHeight, g.outWidth)
    let depth = g.patch, positions = ho * wo
    // The weights as Wᵀ, in panels of `lanes` output channels (zeros past the last channel).
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let stripes = (o + lanes - 1) / lanes
    let panels = scratch.buffer(6, count: stripes * depth * lanes)
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
    let cuts = scratch.integers(2, count: 2 * cutsPerSide)
    let rowCuts = windowCuts(size: height, padding: border, positions: ho, g, into: cuts)
    let columnCuts = windowCuts(size: width, padding: border, positions: wo, g, into: cuts + cutsPerSide)
    let partCount = (rowCuts - 1) * (columnCuts - 1)
    let parts = scratch.integers(4, count: 6 * partCount)   // (i0, i1, j0, j1, first table entry, depth) each
    // The window rows p (or columns q) inside the image for output row (or column) `first`.
    func inside(_ first: Int, _ size: Int) -> Range<Int> { max(0, border - first * s)..<min(k, size + border - first * s) }
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
    let table = scratch.integers(0, count: 2 * entries), offsets = table, panelRows = table + entries
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
    let tiles = PartTiles(batch: g.batch, blockImages: 8, tileRows: tileRows, parts: partCount, table: scratch.integers(3, count: 3 * partCount + 2)) {
        let part = parts + 6 * $0
        return (part[1] - part[0]) * (part[3] - part[2])
    }
    let groupTiles = 8   // a group of tiles shares each panel while it stays in the L2 cache
    Parallel.forEachRange(tiles.count, unit: 1, work: g.rows * o * depth) { range in
        let integers = Scratch.forCurrentThread.integers(1, count: 2 * groupTiles * tileRows + 3 * groupTiles)
        let sums = Scratch.forCurrentThread.buffer(7, count: groupTiles * tileRows * lanes)
        let corners = integers, targets = integers + groupTiles * tileRows
        let tileParts = targets + groupTiles * tileRows, tileStarts = tileParts + groupTiles, tileSizes = tileStarts + groupTiles
        for groupStart in stride(from: range.lowerBound, to: range.upperBound, by: groupTiles) {
            let groupEnd = min(groupStart + groupTiles, range.upperBound)
            var kept = 0
            for tile in groupStart..<groupEnd {   // each tile's positions (b, i, j): their windows' corners and places in y
                let (index, image, point, rows) = tiles.locate(tile)
                let part = parts + 6 * index, (i0, i1, j0, j1) = (part[0], part[1], part[2], part[3])
                var b = image, i = i0 + point / (j1 - j0), j = j0 + point % (j1 - j0)
                for r in kept..<kept + rows {   // counted on, not divided out
                    corners[r] = b * g.channels * height * width + (i * s - border) * width + j * s - border
                    targets[r] = b * o * positions + i * wo + j
                    j += 1
                    if j == j1 { j = j0; i += 1; if i == i1 { i = i0; b += 1 } }
                }
                (tileParts[tile - groupStart], tileStarts[tile - groupStart], tileSizes[tile - groupStart]) = (index, kept, rows)
                kept += rows
            }
            for stripe in 0..<stripes {
                let panel = panels + stripe * depth * lanes, channels = min(lanes, o - stripe * lanes)
                for tile in 0..<groupEnd - groupStart {
                    let part = parts + 6 * tileParts[tile], first = tileStarts[tile]
                    let full = part[5] == depth   // the whole window inside: the panel row by row
                    directTile(wide: wide, images, corners + first, rows: tileSizes[tile], offsets + part[4], depth: part[5], panel,
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
                            transpose16x16(sums + first * lanes + lane, stride: lanes, into: target + lane * positions + targets[first], stride: positions)
                            lane += 16
                        }
                    }
                    for lane in lane..<channels {
                        scatter(sums + first * lanes + lane, every: lanes, count: rows, to: target + lane * positions, at: targets + first)
                    }
                }
            }
        }
    }
}

/// The tiles of a kernel whose rows are the points of rectangles (parts) of every image: a block
/// of images goes through every part before the next block, so that the block's images (or its
/// part of dx) stay in the cache meanwhile, and a tile takes `tileRows` points of one part, image
/// after image. `table` holds 3 · parts + 2 integers: each part's size in one image, and the tiles
/// of the parts before each, in a full block and in the last one.
private struct PartTiles {
    let blockImages: Int, lastImages: Int, blocks: Int, perBlock: Int, count: Int, tileRows: Int
    private let sizes: UnsafeMutablePointer<Int>, before: UnsafeMutablePointer<Int>, lastBefore: UnsafeMutablePointer<Int>

    init(batch: Int, blockImages: Int, tileRows: Int, parts: Int, table: UnsafeMutablePointer<Int>, size: (Int) -> Int) {
        self.blockImages = min(batch, blockImages)
        lastImages = batch - (batch - 1) / self.blockImages * self.blockImages
        blocks = (batch + self.blockImages - 1) / self.blockImages
        self.tileRows = tileRows
        (sizes, before, lastBefore) = (table, table + parts, table + 2 * parts + 1)
        before[0] = 0
        lastBefore[0] = 0
        for part in 0..<parts {
            sizes[part] = size(part)
            before[part + 1] = before[part] + (self.blockImages * sizes[part] + tileRows - 1) / tileRows
            lastBefore[part + 1] = lastBefore[part] + (lastImages * sizes[part] + tileRows - 1) / tileRows
        }
        perBlock = before[parts]
        count = (blocks - 1) * perBlock + lastBefore[parts]
    }

    /// Tile number `tile`: its part, the image of its first point and that point's number among
    /// the part's points in an image, and its number of rows.
    func locate(_ tile: Int) -> (part: Int, image: Int, point: Int, rows: Int) {
        let block = tile / perBlock, inBlock = tile % perBlock, last = block == blocks - 1
        let before = last ? lastBefore : self.before, images = last ? lastImages : blockImages
        var part = 0
        while before[part + 1] <= inBlock { part += 1 }
        let first = (inBlock - before[part]) * tileRows, size = sizes[part]
        return (part, block * blockImages + first / size, first % size, min(tileRows, images * size - first))
    }
}

/// The output rows i (of `outputs`) whose window has its row p inside an image `size` pixels long
/// with `padding` pixels of zeros around it: i·s + p − padding in 0..<size, that is i from
/// ⌈(padding − p) / s⌉ up to ⌈(size + padding − p) / s⌉. The same for columns.
private func outputsSeeing(row p: Int, size: Int, padding: Int, outputs: Int, _ g: ConvolutionGeometry) -> Range<Int> {
    func ceilingDivision(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -(-a / b) }
    let first = min(outputs, max(0, ceilingDivision(padding - p, g.stride)))
    return first..<max(first, min(outputs, ceilingDivision(size + padding - p, g.stride)))
}

/// Cuts the `positions` output positions along one side where the window rows inside the image
/// change (`outputsSeeing`). Writes the cuts in order, 0 and `positions` included, and returns
/// their number.
private func windowCuts(size: Int, padding: Int, positions: Int, _ g: ConvolutionGeometry, into cuts: UnsafeMutablePointer<Int>) -> Int {
    var count = 0
    insertCut(0, limit: positions, into: cuts, &count)
    insertCut(positions, limit: positions, into: cuts, &count)
    for p in 0..<g.kernel {
        let seeing = outputsSeeing(row: p, size: size, padding: padding, outputs: positions, g)
        insertCut(seeing.lowerBound, limit: positions, into: cuts, &count)
        insertCut(seeing.upperBound, limit: positions, into: cuts, &count)
    }
    return count
}

/// Whether the forward pass and the weight gradient skip the window values that fall on the
/// border of zeros, reading the images as they are, or read the images with their border: they
/// skip where the border is at least a tenth of what the windows read (small images).
/// `padImages` gives the images with their border only to a layer whose kernels read them.
func skipsBorder(_ g: ConvolutionGeometry) -> Bool {
    let inside = windowReadsInside(size: g.height, positions: g.outHeight, g) * windowReadsInside(size: g.width, positions: g.outWidth, g)
    return g.padding > 0 && Double(inside) < 0.9 * Double(g.outHeight * g.outWidth * g.kernel * g.kernel)
}

/// How many of the window rows of the `positions` positions along one side lie inside the image
/// (`size` pixels, the geometry's padding around it), out of positions · k.
private func windowReadsInside(size: Int, positions: Int, _ g: ConvolutionGeometry) -> Int {
    var inside = 0
    for i in 0..<positions { inside += max(0, min(g.kernel, size + g.padding - i * g.stride) - max(0, g.padding - i * g.stride)) }
    return inside
}

/// Puts `cut`, held to 0...limit, into the sorted list `cuts` of `count` values unless it is there.
private func insertCut(_ cut: Int, limit: Int, into cuts: UnsafeMutablePointer<Int>, _ count: inout Int) {
    let value = min(max(cut, 0), limit)
    var at = 0
    while at < count && cuts[at] < value { at += 1 }
    if at < count && cuts[at] == value { return }
    var move = count
    while move > at { cuts[move] = cuts[move - 1]; move -= 1 }
    cuts[at] = value
    count += 1
}

/// Fast `dW[o, (c,p,q)] += Σ_(b,i,j) x[b, c, i·s + p − pad, j·s + q − pad] · dy[b, o, i, j]`: the same
/// values as `convolutionWeightGradientNaive`. The same tile, the roles turned round: its 8 rows are
/// 8 values (c, p, q) of the window, each a fixed offset from every corner, and the sum runs over
/// the positions, whose corners come from a table; the panels hold dy, 32 output channels of each
/// position side by side. The sum is taken 256 positions at a time (the tile keeps its partial sums
/// in scratch memory and picks them up again: one FMA chain per value), and added to dW at the end.
///
/// Where the forward pass skips the border (`skipsBorder`), so does this: the window rows p fall
/// into kinds by the output rows i whose windows have row p inside the image, and the columns q
/// likewise. A tile takes values (c, p, q) of one kind of p and one kind of q, and sums only over
/// the positions where those lie inside, in order: the others would add only zeros.
public func convolutionWeightGradient(_ dw: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                      _ g: ConvolutionGeometry, outChannels o: Int, paddedInput: UnsafePointer<Float>? = nil) {
    if g.windowIsWholeImage {   // dW: [O, C·k·k] += dyᵀ · X, dy as [B, O]
        matmulBackwardWeights(dw, dy, x, m: g.batch, k: o, n: g.patch)
        return
    }
    let scratch = Scratch.forCurrentThread
    let (k, s, pad, ho, wo) = (g.kernel, g.stride, g.padding, g.outHeight, g.outWidth)
    let (patch, rows) = (g.patch, g.rows), positions = ho * wo
    let skips = skipsBorder(g)
    let images = skips ? x : paddedInput ?? paddedImages(x, g, scratch)
    let (height, width, border) = skips ? (g.height, g.width, pad) : (g.height + 2 * pad, g.width + 2 * pad, 0)
    let corners = scratch.integers(2, count: rows)
    var position = 0
    for b in 0..<g.batch {
        for i in 0..<ho {
            for j in 0..<wo { corners[position] = b * g.channels * height * width + (i * s - border) * width + j * s - border; position += 1 }
        }
    }
    // The kinds of window rows p: the output rows i0..<i1 where row p lies inside the image
    // (`outputsSeeing`: all of them once the images have their border). kinds: k entries of p's
    // kind, then k of q's, then each kind's (first, end) of rows, then of columns.
    let kinds = scratch.integers(0, count: 6 * k + 2 * patch)
    let rowKind = kinds, columnKind = kinds + k, rowRanges = kinds + 2 * k, columnRanges = kinds + 4 * k
    func sortKinds(_ kindOf: UnsafeMutablePointer<Int>, _ ranges: UnsafeMutablePointer<Int>, size: Int, outputs: Int) -> Int {
        var count = 0
        for p in 0..<k {
            let seeing = outputsSeeing(row: p, size: size, padding: border, outputs: outputs, g), (first, end) = (seeing.lowerBound, seeing.upperBound)
            var kind = 0
            while kind < count && (ranges[2 * kind], ranges[2 * kind + 1]) != (first, end) { kind += 1 }
            if kind == count { (ranges[2 * kind], ranges[2 * kind + 1]) = (first, end); count += 1 }
            kindOf[p] = kind
        }
        return count
    }
    let rowKinds = sortKinds(rowKind, rowRanges, size: height, outputs: ho)
    let columnKinds = sortKinds(columnKind, columnRanges, size: width, outputs: wo)
    // The window values in groups, one for each kind of p with each kind of q, each value with
    // its offset from a window's corner and its column in dW; the tiles before each group.
    let groups = rowKinds * columnKinds
    let windows = kinds + 6 * k, columns = windows + patch
    let classTables = scratch.integers(3, count: 2 * (groups + 1))
    let valuesBefore = classTables, tilesBefore = classTables + groups + 1
    var value = 0
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    tilesBefore[0] = 0
    for group in 0..<groups {
        valuesBefore[group] = value
        for c in 0..<g.channels {
            for p in 0..<k where rowKind[p] == group / columnKinds {
                for q in 0..<k where columnKind[q] == group % columnKinds {
                    windows[value] = (c * height + p) * width + q
                    columns[value] = (c * k + p) * k + q
                    value += 1
                }
            }
        }
        tilesBefore[group + 1] = tilesBefore[group] + (value - valuesBefore[group] + tileRows - 1) / tileRows
    }
    valuesBefore[groups] = value
    let stripes = (o + lanes - 1) / lanes
    // The work: each stripe's tiles, stripe after stripe, so that a thread packs the panels of
    // its own stripes only.
    let tiles = tilesBefore[groups], chunk = 256
    func groupOf(_ tile: Int) -> Int {
        var group = 0
        while tilesBefore[group + 1] <= tile { group += 1 }
        return group
    }
    Parallel.forEachRange(stripes * tiles, unit: 1, work: patch * rows * o) { mine in
        let partial = Scratch.forCurrentThread.buffer(7, count: mine.count * tileRows * lanes)
        let panel = Scratch.forCurrentThread.buffer(8, count: chunk * lanes)
        // For each group: the positions of the chunk whose windows have its values inside, as
        // corners and rows of the panel (none kept for a group that takes every position: it
        // reads the corners and the panel in order).
        let lists = Scratch.forCurrentThread.integers(1, count: 2 * groups * chunk + groups)
        let counts = lists + 2 * groups * chunk
        for chunkStart in stride(from: 0, to: rows, by: chunk) {
            let depth = min(chunk, rows - chunkStart)
            for group in 0..<groups {
                let (first, end) = (rowRanges[2 * (group / columnKinds)], rowRanges[2 * (group / columnKinds) + 1])
                let (left, right) = (columnRanges[2 * (group % columnKinds)], columnRanges[2 * (group % columnKinds) + 1])
                if (first, end, left, right) == (0, ho, 0, wo) { counts[group] = -1; continue }
                let listCorners = lists + 2 * group * chunk, listRows = listCorners + chunk
                var count = 0, i = chunkStart % positions / wo, j = chunkStart % wo
                for d in 0..<depth {
                    if i >= first && i < end && j >= left && j < right {
                        listCorners[count] = corners[chunkStart + d]
                        listRows[count] = d * lanes
                        count += 1
                    }
                    j += 1
                    if j == wo { j = 0; i += 1; if i == ho { i = 0 } }
                }
                counts[group] = count
            }
            var packed = -1
            for item in mine {
                let stripe = item / tiles, tile = item % tiles, group = groupOf(tile)
                if stripe != packed {
                    packGradients(dy, stripe: stripe, from: chunkStart, count: depth, positions: positions, outChannels: o, lanes: lanes, into: panel)
                    packed = stripe
                }
                let first = valuesBefore[group] + (tile - tilesBefore[group]) * tileRows, count = min(tileRows, valuesBefore[group + 1] - first)
                let sums = partial + (item - mine.lowerBound) * tileRows * lanes
                let finish: TileFinish = chunkStart > 0 ? .continuing : .store
                if counts[group] < 0 {
                    directTile(wide: wide, images, windows + first, rows: count, corners + chunkStart, depth: depth, panel, sums, finish)
                } else {
                    let listCorners = lists + 2 * group * chunk
                    directTile(wide: wide, images, windows + first, rows: count, listCorners, depth: counts[group], panel,
                               panelRows: listCorners + chunk, sums, finish)
                }
            }
        }
        for item in mine {
            let stripe = item / tiles, tile = item % tiles, group = groupOf(tile)
            let first = valuesBefore[group] + (tile - tilesBefore[group]) * tileRows, count = min(tileRows, valuesBefore[group + 1] - first)
            let sums = partial + (item - mine.lowerBound) * tileRows * lanes
            for lane in 0..<min(lanes, o - stripe * lanes) {   // along a row of dW: a row is a channel's window
                let target = dw + (stripe * lanes + lane) * patch
                for row in 0..<count { target[columns[first + row]] += sums[row * lanes + lane] }
            }
        }
    }
}

/// dy's gradients of `count` positions from `first` (numbered b·Ho·Wo + i·Wo + j) for the `lanes`
/// output channels of `stripe`, each position's side by side (zeros past the last channel): the
/// weight gradient's panel for one block of positions. Each thread packs its own, while it is
/// small enough to stay in the L1 cache for all of its tiles, rather than the whole batch once
/// (for an image's 3 colours, 16 MB that every thread then read back from memory). 16
/// positions of one image and 16 channels at a time turn round in registers (Transpose.swift).
private func packGradients(_ dy: UnsafePointer<Float>, stripe: Int, from first: Int, count: Int, positions: Int, outChannels o: Int,
                           lanes: Int, into panel: UnsafeMutablePointer<Float>) {
    var position = first
    while position < first + count {
        let b = position / positions, inPlane = position % positions, run = min(16, first + count - position, positions - inPlane)
        for lanes16 in stride(from: 0, to: lanes, by: 16) {
            let channel = stripe * lanes + lanes16, target = panel + (position - first) * lanes + lanes16
            if run == 16 && channel + 16 <= o {
                transpose16x16(dy + (b * o + channel) * positions + inPlane, stride: positions, into: target, stride: lanes)
                continue
            }
            for lane in 0..<16 {
                let plane = dy + (b * o + channel + lane) * positions + inPlane
                for r in 0..<run { target[r * lanes + lane] = channel + lane < o ? plane[r] : 0 }
            }
        }
        position += run
    }
}

/// Fast `dx[b, c, h, w] = Σ_(p,q) Σ_o W[o, (c,p,q)] · dy[b, o, i, j]` over the window offsets (p, q) and
/// positions (i, j) whose window saw pixel (h, w), i·s + p − pad = h: the input gradient of a
/// convolution, and the forward pass of a transposed one. The same values as
/// `convolutionInputGradientNaive`: each inner sum over o its own FMA chain from 0, added to the
/// pixel in the order of (p, q). dx is overwritten.
///
/// Without col2im: the pixels are taken 8 at a time among those the same distance past a
/// multiple of the stride (a class), over a block of images: their windows then use the same
/// offsets (p, q), each at its own position of dy. For each such (p, q), the tile sums over o, the
/// 8 positions read in dy, 32 input channels' weights from a panel, and adds its sums to the
/// pixels' totals. Offsets whose position lies outside dy are skipped: their products would be
/// zeros (see the parts below).
public func convolutionInputGradient(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                     _ g: ConvolutionGeometry, outChannels o: Int) {
    if g.windowIsWholeImage {   // dX: [B, C·k·k] = dy: [B, O] · W
        matmulForward(dx, dy, weight, nil, m: g.batch, k: o, n: g.patch)
        return
    }
    let (k, s, pad, ho, wo) = (g.kernel, g.stride, g.padding, g.outHeight, g.outWidth)
    // The share of the direct kernel's arithmetic that is real: its lanes of input channels,
    // and the windows it reads (⌈k/s⌉² per pixel) against those that lie inside dy (k² per position).
    let windowsRead = Double(g.height * g.width) * Double(((k + s - 1) / s) * ((k + s - 1) / s))
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let real = Double(g.channels) / Double(lanes * ((g.channels + lanes - 1) / lanes)) * min(1, Double(ho * wo * k * k) / windowsRead)
    if real < 0.6 {
        return ho * wo >= 2 * lanes ? convolutionInputGradientByImage(dx, dy, weight, g, outChannels: o)
                                    : convolutionInputGradientByPatches(dx, dy, weight, g, outChannels: o)
    }
    let scratch = Scratch.forCurrentThread
    let channelOffsets = scratch.integers(0, count: o)
    for channel in 0..<o { channelOffsets[channel] = channel * ho * wo }
    // For each `lanes` input channels and each offset (p, q): the weights as [O, lanes].
    let stripes = (g.channels + lanes - 1) / lanes, window = k * k
    let panels = scratch.buffer(6, count: stripes * window * o * lanes)
    Parallel.forEachRange(stripes * o, unit: 1, work: stripes * window * o * lanes) { range in
        for item in range {
            let stripe = item / o, out = item % o
            for lane in 0..<lanes {   // the k x k weights of (out, c), side by side in W, to k x k panels
                let c = stripe * lanes + lane, source = weight + out * g.patch + c * window
                for offset in 0..<window { panels[((stripe * window + offset) * o + out) * lanes + lane] = c < g.channels ? source[offset] : 0 }
            }
        }
    }
    // The pixels are taken class by class, a class being those the same distance (ph, pw) past a
    // multiple of the stride: (b, u, t) is pixel (ph + s·u, pw + s·t) of image b. Its window offset
    // p reaches position i = u + (ph + pad − p) / s of dy, for the p that divide evenly. Near the
    // border some of those positions lie outside dy: they would add only zeros, and an exact 0
    // changes no sum. So each class is cut into parts, rectangles of pixels that all reach dy
    // through the same offsets (`borderCuts`), a tile takes pixels of one part only, and it skips
    // the offsets that reach outside: dy needs no border of zeros, and the border's products are
    // not computed. A block of images goes through every class before the next block, so that its
    // part of dx (each of whose lines every class writes into) stays in the L2 cache meanwhile.
    let plane = g.height * g.width
    let classes = min(s, g.height) * min(s, g.width), classWidth = min(s, g.width)
    let cutsPerSide = 2 * ((k + s - 1) / s) + 2
    let cuts = scratch.integers(2, count: 2 * cutsPerSide)
    let parts = scratch.integers(4, count: 5 * classes * cutsPerSide * cutsPerSide)   // (class, u0, u1, t0, t1) each
    var partCount = 0
    for phase in 0..<classes {
        let ph = phase / classWidth, pw = phase % classWidth
        let rowCuts = borderCuts(phase: ph, pixels: (g.height - ph + s - 1) / s, positions: ho, g, into: cuts)
        let columnCuts = borderCuts(phase: pw, pixels: (g.width - pw + s - 1) / s, positions: wo, g, into: cuts + cutsPerSide)
        for a in 0..<rowCuts - 1 {
            for c in 0..<columnCuts - 1 {
                let part = parts + 5 * partCount
                (part[0], part[1], part[2], part[3], part[4]) = (phase, cuts[a], cuts[a + 1], cuts[cutsPerSide + c], cuts[cutsPerSide + c + 1])
                partCount += 1
            }
        }
    }
    let blockImages = max(1, 64 * 1024 / (min(lanes, g.channels) * plane))   // 256 KB of dx
    let tiles = PartTiles(batch: g.batch, blockImages: blockImages, tileRows: tileRows, parts: partCount,
                          table: scratch.integers(3, count: 3 * partCount + 2)) {
        let part = parts + 5 * $0
        return (part[2] - part[1]) * (part[4] - part[3])
    }
    let tilesPerStripe = tiles.count
    let groupRows = tileRows * 8   // tiles whose sums are kept to be written to dx together
    Parallel.forEachRange(stripes * tilesPerStripe, unit: 1, work: g.batch * g.channels * plane * window * o) { items in
        let totals = Scratch.forCurrentThread.buffer(7, count: groupRows * lanes)
        let integers = Scratch.forCurrentThread.integers(1, count: 2 * tileRows + groupRows)
        let pixels = integers, bases = integers + tileRows, targets = integers + 2 * tileRows
        var kept = 0, keptStripe = 0
        // The kept sums to dx, channel by channel: each channel's stores then stay on a few lines
        // of its plane instead of jumping a plane at each channel.
        func write() {
            let channels = min(lanes, g.channels - keptStripe * lanes)
            for lane in 0..<channels {
                let out = dx + lane * plane
                scatter(totals + lane, every: lanes, count: kept, to: out, at: targets)
            }
            kept = 0
        }
        for item in items {
            let stripe = item / tilesPerStripe, tileInStripe = item % tilesPerStripe
            if kept + tileRows > groupRows || (kept > 0 && stripe != keptStripe) { write() }
            keptStripe = stripe
            let (index, image, point, rows) = tiles.locate(tileInStripe)
            let part = parts + 5 * index, (u0, u1, t0, t1) = (part[1], part[2], part[3], part[4])
            let ph = part[0] / classWidth, pw = part[0] % classWidth, sums = totals + kept * lanes
            // Pixel (b, u, t) of the part for each row: divided out once, then counted on.
            var b = image, u = u0 + point / (t1 - t0), t = t0 + point % (t1 - t0)
            for r in 0..<rows {
                pixels[r] = b * o * ho * wo + u * wo + t
                targets[kept + r] = (b * g.channels + stripe * lanes) * plane + (ph + s * u) * g.width + pw + s * t
                t += 1
                if t == t1 { t = t0; u += 1; if u == u1 { u = u0; b += 1 } }
            }
            var finish = TileFinish.addToZero   // the first offset's sums start the totals: 0 + sum, as for the others
            for p in 0..<k where (ph + pad - p) % s == 0 && (0..<ho).contains(u0 + (ph + pad - p) / s) {
                for q in 0..<k where (pw + pad - q) % s == 0 && (0..<wo).contains(t0 + (pw + pad - q) / s) {
                    let shift = (ph + pad - p) / s * wo + (pw + pad - q) / s
                    for r in 0..<rows { bases[r] = pixels[r] + shift }
                    directTile(wide: wide, dy, bases, rows: rows, channelOffsets, depth: o, panels + (stripe * window + p * k + q) * o * lanes,
                               sums, finish)
                    finish = .addTo
                }
            }
            if finish == .addToZero { sums.update(repeating: 0, count: rows * lanes) }   // no offset reaches dy: 0
            kept += rows
        }
        if kept > 0 { write() }
    }
}

/// Cuts the `pixels` pixels u of a class along one side (pixel phase + s·u) where the set of its
/// window offsets p that reach dy changes: offset p (for (phase + pad − p) divisible by s) reaches
/// position u + (phase + pad − p) / s, inside dy for u from −(phase + pad − p) / s up to
/// `positions` − (phase + pad − p) / s. Writes the cuts in order, 0 and `pixels` included, and
/// returns their number: the pixels between two cuts reach dy through the same offsets.
private func borderCuts(phase: Int, pixels: Int, positions: Int, _ g: ConvolutionGeometry, into cuts: UnsafeMutablePointer<Int>) -> Int {
    var count = 0
    func add(_ cut: Int) { insertCut(cut, limit: pixels, into: cuts, &count) }
    add(0)
    add(pixels)
    for p in 0..<g.kernel where (phase + g.padding - p) % g.stride == 0 {
        let shift = (phase + g.padding - p) / g.stride
        add(-shift)
        add(positions - shift)
    }
    return count
}

/// The input gradient the other way, one image at a time: its patch gradients dP = Wᵀ · dy (small
/// enough to stay in the cache), then col2im (Patches.swift) into that image. It wins where the
/// direct kernel would waste its tile: far fewer input channels than lanes (an image's 1 or 3
/// colours). The tile's rows are values (c, p, q) of the window, read in W at o·patch + (c, p, q)
/// for o = 0, 1, ...; its lanes are positions of dy, packed for the image as [O, lanes] panels.
/// Each dP value is one FMA chain over o from 0, as in the matrix product: the same values.
private func convolutionInputGradientByImage(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                             _ g: ConvolutionGeometry, outChannels o: Int) {
    let wide = MatmulTile.wide, (tileRows, lanes) = DirectTile.shape(wide: wide)
    let positions = g.outHeight * g.outWidth, stripes = (positions + lanes - 1) / lanes, patch = g.patch
    let image = ConvolutionGeometry(batch: 1, channels: g.channels, height: g.height, width: g.width,
                                    kernel: g.kernel, stride: g.stride, padding: g.padding)
    let integers = Scratch.forCurrentThread.integers(0, count: patch + o)
    let windowValues = integers, channelRows = integers + patch
    for value in 0..<patch { windowValues[value] = value }
    for out in 0..<o { channelRows[out] = out * patch }
    Parallel.forEachRange(g.batch, unit: 1, work: g.batch * patch * positions * o) { images in
        let scratch = Scratch.forCurrentThread
        let panels = scratch.buffer(8, count: stripes * o * lanes), patches = scratch.buffer(9, count: patch * positions)
        let sums = scratch.buffer(7, count: tileRows * lanes)
        for b in images {
            let source = dy + b * o * positions
            for stripe in 0..<stripes {   // dy of image b: for each `lanes` positions, [O, lanes]
                let count = min(lanes, positions - stripe * lanes)
                for out in 0..<o {
                    let panel = panels + (stripe * o + out) * lanes, from = source + out * positions + stripe * lanes
                    if count == lanes {
                        for v in stride(from: 0, to: lanes, by: 16) { store16(load16(from + v), panel + v) }
                    } else {
                        panel.update(from: from, count: count)
                        (panel + count).update(repeating: 0, count: lanes - count)
                    }
                }
            }
            for stripe in 0..<stripes {
                let count = min(lanes, positions - stripe * lanes)
                for first in stride(from: 0, to: patch, by: tileRows) {
                    let rows = min(tileRows, patch - first)
                    directTile(wide: wide, weight, windowValues + first, rows: rows, channelRows, depth: o, panels + stripe * o * lanes, sums, .store)
                    for r in 0..<rows {
                        let row = patches + (first + r) * positions + stripe * lanes
                        if count == lanes {   // whole registers, not a library call per row
                            for v in stride(from: 0, to: lanes, by: 16) { store16(load16(sums + r * lanes + v), row + v) }
                        } else {
                            row.update(from: sums + r * lanes, count: count)
                        }
                    }
                }
            }
            let pixels = dx + b * g.channels * g.height * g.width
            for c in 0..<g.channels { col2im(plane: c, pixels, patches, image) }
        }
    }
}

/// The input gradient the other way for the whole batch at once: dP = Wᵀ · dy, then col2im. For
/// few input channels and a dy of fewer than 2 x 32 positions per image, where an image at a time
/// would leave the tile's lanes of positions idle. (A window as large as its image, DCGAN's first
/// and last, goes to the matrix products instead.)
private func convolutionInputGradientByPatches(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                                               _ g: ConvolutionGeometry, outChannels o: Int) {
    let scratch = Scratch.forCurrentThread
    let byChannel = scratch.buffer(8, count: o * g.rows), patches = scratch.buffer(9, count: g.patch * g.rows)
    swapOuterAxes(dy, into: byChannel, outer: g.batch, inner: o, block: g.outHeight * g.outWidth)   // [B, O, Ho·Wo] -> [O, B·Ho·Wo]
    patches.update(repeating: 0, count: g.patch * g.rows)
    matmulBackwardWeights(patches, weight, byChannel, m: o, k: g.patch, n: g.rows)                    // dP = Wᵀ · dy
    col2im(dx, patches, g)
}

/// x with its border of zeros, [B, C, H + 2·pad, W + 2·pad], into `padded` (reshaped to fit), or
/// nil when the kernels read the images as they are (no padding, or a border they skip). A layer
/// whose forward and backward passes read the same images (a convolution's x, a transposed
/// convolution's dy) copies them once and hands them to both kernels as `paddedInput`: one pass
/// over the batch fewer.
public func padImages(_ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, into padded: Tensor) -> UnsafePointer<Float>? {
    if g.padding == 0 || skipsBorder(g) { return nil }
    padded.reshape(to: [g.batch, g.channels, g.height + 2 * g.padding, g.width + 2 * g.padding])
    addBorder(x, planes: g.batch * g.channels, height: g.height, width: g.width,
              top: g.padding, bottom: g.padding, left: g.padding, right: g.padding, into: padded.data)
    return UnsafePointer(padded.data)
}

/// The images with their border of zeros, in scratch memory (or x itself when there is no padding).
private func paddedImages(_ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, _ scratch: Scratch) -> UnsafePointer<Float> {
    if g.padding == 0 { return x }
    let padded = scratch.buffer(5, count: g.batch * g.channels * (g.height + 2 * g.padding) * (g.width + 2 * g.padding))
    addBorder(x, planes: g.batch * g.channels, height: g.height, width: g.width,
              top: g.padding, bottom: g.padding, left: g.padding, right: g.padding, into: padded)
    return UnsafePointer(padded)
}

/// Copies `planes` images of height x width into larger ones with a border of zeros: `top` rows
/// above, `bottom` below, `left` and `right` columns beside.
func addBorder(_ x: UnsafePointer<Float>, planes: Int, height: Int, width: Int, top: Int, bottom: Int, left: Int, right: Int,
               into padded: UnsafeMutablePointer<Float>) {
    let paddedWidth = left + width + right, paddedPlane = (top + height + bottom) * paddedWidth
    Parallel.forEachRange(planes, unit: 1, work: planes * paddedPlane) { range in
        for plane in range {
            let source = x + plane * height * width, target = padded + plane * paddedPlane
            target.update(repeating: 0, count: top * paddedWidth)
            for h in 0..<height {   // rows of a few dozen pixels: copied in place, not by library calls
                let line = target + (top + h) * paddedWidth, from = source + h * width, to = line + left
                for i in 0..<left { line[i] = 0 }
                var i = 0
                while i + 16 <= width { store16(load16(from + i), to + i); i += 16 }
                while i < width { to[i] = from[i]; i += 1 }
                for i in 0..<right { to[width + i] = 0 }
            }
            (target + (top + height) * paddedWidth).update(repeating: 0, count: bottom * paddedWidth)
        }
    }
}

/// out[targets[r]] = values[r · every] for r in 0..<count: one channel of the kept sums to its plane.
@inline(__always) private func scatter(_ values: UnsafePointer<Float>, every: Int, count: Int, to out: UnsafeMutablePointer<Float>,
                                       at targets: UnsafePointer<Int>) {
    var value = values
    for r in 0..<count { out[targets[r]] = value.pointee; value += every }
}

@inline(__always) private func load16(_ p: UnsafePointer<Float>) -> Vector16 { UnsafeRawPointer(p).loadUnaligned(as: Vector16.self) }
@inline(__always) private func store16(_ v: Vector16, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector16.self) }

/// Where a tile's sums go: into `sums` (store), continuing the partial sums `sums` holds, added to
/// `sums` (a sum of separate chains, as the input gradient's contributions are), or added to 0
/// and stored (the first of those chains, without reading zeros from memory: 0 + v is v, except
/// that it turns −0 into +0, as adding to a zeroed total does).
enum TileFinish { case store, continuing, addTo, addToZero }

/// The tile's shape: rows (positions, window values or pixels) x lanes (channels).
enum DirectTile {
    static func shape(wide: Bool) -> (rows: Int, lanes: Int) { wide ? (8, 32) : (6, 16) }
}

/// One tile: row r reads `images + bases[r] + offsets[d]` for d in 0..<depth, times the panel's
/// `lanes` values of d, into `sums[r]` (`lanes` floats), as `finish` says. 8 rows x 32 in
/// 512-bit registers where the build has AVX-512, else 6 x 16.
@inline(__always)
private func directTile(wide: Bool, _ images: UnsafePointer<Float>, _ bases: UnsafePointer<Int>, rows: Int, _ offsets: UnsafePointer<Int>,
                        depth: Int, _ panel: UnsafePointer<Float>, panelRows: UnsafePointer<Int>? = nil,
                        _ sums: UnsafeMutablePointer<Float>, _ finish: TileFinish) {
    if wide {
        directTile8(images, bases, rows: rows, offsets, depth: depth, panel, panelRows, sums, finish)
    } else {
        directTile6(images, bases, rows: rows, offsets, depth: depth, panel, panelRows, sums, finish)
    }
}

/// Eight rows x 32, two 512-bit registers each. Eight rows leave the general registers free for
/// their eight addresses, the offset table and the panel (twelve rows did not: the compiler kept
/// some addresses on the stack and read them back every step). A tile of fewer rows repeats its
/// last row and keeps only its own.
@inline(__always)
private func directTile8(_ images: UnsafePointer<Float>, _ bases: UnsafePointer<Int>, rows: Int, _ offsets: UnsafePointer<Int>,
                         depth: Int, _ panel: UnsafePointer<Float>, _ panelRows: UnsafePointer<Int>?,
                         _ sums: UnsafeMutablePointer<Float>, _ finish: TileFinish) {
    @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { images + bases[min(r, rows - 1)] }
    @inline(__always) func start(_ r: Int, _ half: Int) -> Vector16 {
        finish == .continuing && r < rows ? load16(sums + r * 32 + half * 16) : Vector16()
    }
    let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5), a6 = row(6), a7 = row(7)
    var c0 = start(0, 0), d0 = start(0, 1), c1 = start(1, 0), d1 = start(1, 1), c2 = start(2, 0), d2 = start(2, 1)
    var c3 = start(3, 0), d3 = start(3, 1), c4 = start(4, 0), d4 = start(4, 1), c5 = start(5, 0), d5 = start(5, 1)
    var c6 = start(6, 0), d6 = start(6, 1), c7 = start(7, 0), d7 = start(7, 1)
    var w = panel
    for d in 0..<depth {
        if let panelRows { w = panel + panelRows[d] }   // the panel's rows picked by a table (a window's values outside the image skipped)
        let offset = offsets[d], b = load16(w), e = load16(w + 16)
        var x = Vector16(repeating: a0[offset]); c0 = c0.addingProduct(x, b); d0 = d0.addingProduct(x, e)
        x = Vector16(repeating: a1[offset]); c1 = c1.addingProduct(x, b); d1 = d1.addingProduct(x, e)
        x = Vector16(repeating: a2[offset]); c2 = c2.addingProduct(x, b); d2 = d2.addingProduct(x, e)
        x = Vector16(repeating: a3[offset]); c3 = c3.addingProduct(x, b); d3 = d3.addingProduct(x, e)
        x = Vector16(repeating: a4[offset]); c4 = c4.addingProduct(x, b); d4 = d4.addingProduct(x, e)
        x = Vector16(repeating: a5[offset]); c5 = c5.addingProduct(x, b); d5 = d5.addingProduct(x, e)
        x = Vector16(repeating: a6[offset]); c6 = c6.addingProduct(x, b); d6 = d6.addingProduct(x, e)
        x = Vector16(repeating: a7[offset]); c7 = c7.addingProduct(x, b); d7 = d7.addingProduct(x, e)
        w += 32
    }
    @inline(__always) func put(_ v: Vector16, _ r: Int, _ half: Int) {
        let target = sums + r * 32 + half * 16
        if r < rows { store16(finish == .addTo ? load16(target) + v : finish == .addToZero ? Vector16() + v : v, target) }
    }
    put(c0, 0, 0); put(d0, 0, 1); put(c1, 1, 0); put(d1, 1, 1); put(c2, 2, 0); put(d2, 2, 1); put(c3, 3, 0); put(d3, 3, 1)
    put(c4, 4, 0); put(d4, 4, 1); put(c5, 5, 0); put(d5, 5, 1); put(c6, 6, 0); put(d6, 6, 1); put(c7, 7, 0); put(d7, 7, 1)
}

/// Six rows x 16, for 256-bit registers (two each, twelve in all).
@inline(__always)
private func directTile6(_ images: UnsafePointer<Float>, _ bases: UnsafePointer<Int>, rows: Int, _ offsets: UnsafePointer<Int>,
                         depth: Int, _ panel: UnsafePointer<Float>, _ panelRows: UnsafePointer<Int>?,
                         _ sums: UnsafeMutablePointer<Float>, _ finish: TileFinish) {
    @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { images + bases[min(r, rows - 1)] }
    @inline(__always) func start(_ r: Int) -> Vector16 { finish == .continuing && r < rows ? load16(sums + r * 16) : Vector16() }
    let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
    var c0 = start(0), c1 = start(1), c2 = start(2), c3 = start(3), c4 = start(4), c5 = start(5)
    var w = panel
    for d in 0..<depth {
        if let panelRows { w = panel + panelRows[d] }
        let offset = offsets[d], b = load16(w)
        c0 = c0.addingProduct(Vector16(repeating: a0[offset]), b); c1 = c1.addingProduct(Vector16(repeating: a1[offset]), b)
        c2 = c2.addingProduct(Vector16(repeating: a2[offset]), b); c3 = c3.addingProduct(Vector16(repeating: a3[offset]), b)
        c4 = c4.addingProduct(Vector16(repeating: a4[offset]), b); c5 = c5.addingProduct(Vector16(repeating: a5[offset]), b)
        w += 16
    }
    @inline(__always) func put(_ v: Vector16, _ r: Int) {
        if r < rows { store16(finish == .addTo ? load16(sums + r * 16) + v : finish == .addToZero ? Vector16() + v : v, sums + r * 16) }
    }
    put(c0, 0); put(c1, 1); put(c2, 2); put(c3, 3); put(c4, 4); put(c5, 5)
}
