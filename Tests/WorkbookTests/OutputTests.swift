import Foundation
import Testing
@testable import Backprop
@testable import Workbook

@Suite("PNG images and grids")
struct ImageTests {
    @Test func grayAndRGBRoundTripExactly() throws {
        let gray = Image(width: 5, height: 3, channels: 1, pixels: (0..<15).map { UInt8($0 * 17) })
        #expect(try PNG.decode(try PNG.encode(gray)) == gray)
        let rgb = Image(width: 4, height: 7, channels: 3, pixels: (0..<84).map { UInt8(truncatingIfNeeded: $0 * 37) })
        #expect(try PNG.decode(try PNG.encode(rgb)) == rgb)
        let url = temporaryFolder().appendingPathComponent("rgb.png")
        try PNG.write(rgb, to: url)
        #expect(try PNG.read(url) == rgb)
        #expect(try Data(contentsOf: url).prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func scalingMakesEachPixelABlock() {
        let rgb = Image(width: 3, height: 2, channels: 3, pixels: (0..<18).map { UInt8($0 * 10) })
        let big = rgb.scaled(by: 2)
        #expect(big.width == 6 && big.height == 4 && big.channels == 3)
        for y in 0..<4 {
            for x in 0..<6 {
                let source = ((y / 2) * 3 + x / 2) * 3, target = (y * 6 + x) * 3
                #expect(Array(big.pixels[target..<(target + 3)]) == Array(rgb.pixels[source..<(source + 3)]), "pixel \(x), \(y)")
            }
        }
        #expect(rgb.scaled(by: 1) == rgb)
    }

    @Test func garbageAndTruncatedPNGsAreErrorsNotCrashes() throws {
        expectError(containing: ["not a readable PNG"]) { _ = try PNG.decode(Data("not a png".utf8)) }
        let image = Image(width: 40, height: 40, channels: 3, pixels: (0..<4800).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let encoded = try PNG.encode(image)
        expectError(containing: ["PNG"]) { _ = try PNG.decode(encoded.prefix(encoded.count / 2)) }
        expectError(containing: ["cannot read"]) { _ = try PNG.read(URL(fileURLWithPath: "/nonexistent/x.png")) }
    }

    @Test func floatsMapOntoBytesWithClamping() {
        let values: [Float] = [-1, 0, 1, 2, -3, .nan]
        let image = values.withUnsafeBufferPointer { Image(gray: $0.baseAddress!, width: 6, height: 1, range: -1...1) }
        #expect(image.pixels == [0, 128, 255, 255, 0, 0])
    }

    @Test func gridGeometryMatchesMakeGrid() {
        // Five 3x2 images, 2 per row, padding 2: 2 columns and 3 rows.
        let images = (1...5).map { n in Image(width: 3, height: 2, channels: 1, pixels: [UInt8](repeating: UInt8(n * 10), count: 6)) }
        let grid = makeGrid(images, perRow: 2, padding: 2)
        #expect(grid.width == 2 * (3 + 2) + 2 && grid.height == 3 * (2 + 2) + 2)
        func pixel(_ x: Int, _ y: Int) -> UInt8 { grid.pixels[y * grid.width + x] }
        #expect(pixel(0, 0) == 0 && pixel(1, 1) == 0)                  // padding
        #expect(pixel(2, 2) == 10 && pixel(4, 3) == 10)                // image 1 at (2, 2)
        #expect(pixel(5, 2) == 0)                                      // gap between columns
        #expect(pixel(7, 2) == 20)                                     // image 2 at (7, 2)
        #expect(pixel(2, 6) == 30 && pixel(7, 6) == 40 && pixel(2, 10) == 50)
        #expect(pixel(7, 10) == 0)                                     // no sixth image
        let rgb = makeGrid([Image(width: 1, height: 1, channels: 3, pixels: [1, 2, 3])], perRow: 8, padding: 1)
        #expect(rgb.width == 3 && rgb.height == 3 && Array(rgb.pixels[12..<15]) == [1, 2, 3])
    }
}

@Suite("Charts, reports, progress")
struct NotebookTests {
    @Test func chartWritesDataScriptAndPicture() throws {
        let folder = temporaryFolder()
        let chart = Chart(title: "a \"quoted\" title", xLabel: "epoch", yLabel: "loss",
                          series: [.init("train", [(1, 0.5), (2, 0.25)]), .init("empty", []),
                                   .init("test", [(1, 0.6)], style: "linespoints")])
        let png = try chart.draw(into: folder, name: "loss")
        let data = try String(contentsOf: folder.appendingPathComponent("loss.dat"), encoding: .utf8)
        #expect(data.contains("1.0\t0.5\n2.0\t0.25\n") && data.contains("# index 1: test"))
        let script = try String(contentsOf: folder.appendingPathComponent("loss.gp"), encoding: .utf8)
        #expect(script.contains("set output 'loss.png'") && script.contains("index 1 using 1:2 with linespoints"))
        #expect(!script.contains("\"a \"quoted\""))
        if findExecutable("gnuplot") != nil {
            let url = try #require(png)
            let image = try PNG.read(url)
            #expect(image.width == 900 && image.height == 520)
        } else {
            #expect(png == nil)
        }
    }

    @Test func markdownTablesEscapeTheirBars() {
        #expect(markdownTable(["a", "b|c"], [["1", "2"]]) == "| a | b\\|c |\n| --- | --- |\n| 1 | 2 |")
    }

    @Test func durationsAndProgressLines() {
        #expect(formatDuration(65) == "1:05" && formatDuration(3723) == "1:02:03" && formatDuration(.nan) == "--:--")
        let bar = ProgressBar(title: "epoch 1/2", total: 200)
        bar.completed = 50
        bar.status = "loss 0.1"
        let line = bar.line()
        #expect(line.hasPrefix("epoch 1/2 [######..................]  25% 50/200"))
        #expect(line.contains("ETA") && line.hasSuffix("loss 0.1"))
        #expect(!bar.line(final: true).contains("ETA"))
    }

    @Test func theReportIsAlsoAWebPageThatReloadsOnlyWhileTheRunGoes() throws {
        let folder = temporaryFolder(), nowhere = Repository(root: folder)   // no chapters/: the run's outputs stand alone
        func write(_ status: RunStatus) throws -> (markdown: String, page: String) {
            let outputs = RunOutputs(run: "Run <1>", status: status.line, finished: status.isFinished, command: "swift run x", outputs: [
                Output(name: "epochs", title: "Epochs", markdown: markdownTable(["epoch", "loss"], [["1", "0.5"], ["2", "0.4"]])),
                Output(name: "grid", title: "Grid", markdown: "![grid](grid.png)"),
            ])
            try Notebook.writePage(of: Weave.Source(run: "Run <1>", folder: folder, outputs: outputs), status: status.line, live: status.isRunning,
                                   to: folder.appendingPathComponent("report.md"), repository: nowhere)
            return (try String(contentsOf: folder.appendingPathComponent("report.md"), encoding: .utf8),
                    try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8))
        }
        let running = try write(.running(epoch: 2, of: 5, elapsed: 70, remaining: 105))
        #expect(running.page.contains("<title>Run &lt;1&gt;</title>") && running.page.contains("http-equiv=\"refresh\""))
        #expect(running.page.contains("<table>") && running.page.contains("<td>0.4</td>") && running.page.contains("<img src=\"grid.png\" alt=\"grid\""))
        #expect(running.page.contains("<strong>Running:</strong> epoch 2 of 5 done, 1:10 since the start, about 1:45 left"))
        #expect(running.markdown.hasPrefix("# Run <1>\n\n> **Running:** epoch 2 of 5"))
        let finished = try write(.finished(elapsed: 300))
        #expect(!finished.page.contains("http-equiv=\"refresh\"") && finished.page.contains("<strong>Finished</strong> in 5:00"))
    }

    @Test func withoutATerminalAPlainLineComesEverySoOften() {
        var lines: [String] = []
        let quiet = ProgressBar(title: "epoch 1/1", total: 100, interactive: false, plainEvery: 3600)
        quiet.output = { lines.append($0) }
        for i in 1...99 { quiet.update(completed: i, status: "D 0.5") }
        #expect(lines.isEmpty)                                   // not yet 30 seconds (here: an hour)
        quiet.finish()
        #expect(lines.count == 1 && lines[0].hasPrefix("epoch 1/1 [") && lines[0].hasSuffix("D 0.5\n") && !lines[0].contains("\r"))
        lines = []
        let chatty = ProgressBar(title: "epoch 2/2", total: 100, interactive: false, plainEvery: 0)
        chatty.output = { lines.append($0) }
        for i in 1...3 { chatty.update(completed: 10 * i, status: "step \(i)") }
        #expect(lines.count == 3 && lines[2].contains(" 30% 30/100") && lines[2].hasSuffix("step 3\n"), "\(lines)")
    }

    @Test func anUnwritableOutputFolderIsRefusedBeforeTraining() throws {
        let file = temporaryFolder().appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let options = try RunOptions.parse(["--output-dir", file.appendingPathComponent("inside").path])
        expectError(containing: ["not writable", "--output-dir"]) { _ = try Run(chapter: "test", options: options) }
    }

    @Test func badRunOptionsAreRefusedWithAMessage() {
        for (arguments, fragment) in [(["--limit", "0"], "--limit must be at least 1"), (["--threads", "0"], "--threads"),
                                      (["--seed", "-3"], "seed"), (["--limit", "many"], "limit")] {
            do {
                _ = try RunOptions.parse(arguments)
                Issue.record("\(arguments) was accepted")
            } catch {
                #expect(RunOptions.message(for: error).contains(fragment), "\(arguments): \(RunOptions.message(for: error))")
            }
        }
    }
}
