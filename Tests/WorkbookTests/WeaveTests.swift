import Foundation
import Testing
@testable import Workbook

/// A small workbook in a temporary folder: a text, a source with a region, a reference run and a run.
private struct Fixture {
    let root: URL
    var repository: Repository { Repository(root: root) }
    var text: URL { root.appendingPathComponent("chapters/01-demo.md") }
    var run: URL { root.appendingPathComponent("output/demo") }
    var reference: URL { root.appendingPathComponent("output/reference/demo") }

    init(_ name: String = #function, text: String) throws {
        root = temporaryFolder(name)
        for folder in ["chapters", "Sources/demo", "output/demo", "output/reference/demo"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try text.write(to: self.text, atomically: true, encoding: .utf8)
        try "# Other\n".write(to: root.appendingPathComponent("chapters/02-other.md"), atomically: true, encoding: .utf8)
        try """
            let a = 1
                // region: the step
                let x = a + 1   // x: [B]
                print(x)
                // endregion
            """.write(to: root.appendingPathComponent("Sources/demo/main.swift"), atomically: true, encoding: .utf8)
        for file in ["samples.png", "loss.png"] { try Data([1]).write(to: reference.appendingPathComponent(file)) }
    }

    func weave(outputs: [Output], status: String? = "**Running:** epoch 1 of 3", page: URL? = nil) throws -> String {
        let record = RunOutputs(run: "demo", status: status ?? "", finished: false, command: "swift run demo", outputs: outputs)
        var weave = Weave(repository: repository, textFile: text, page: page ?? run,
                          sources: [Weave.Source(run: "demo", folder: run, outputs: record)], status: status)
        return try weave.woven()
    }
}

@Suite("The weave: a chapter's text with a run's outputs")
struct WeaveTests {
    @Test func picturesAreTheRunsOwnOrALineNeverABrokenPicture() throws {
        let fixture = try Fixture(text: """
            # Demo

            ![the samples](../output/reference/demo/samples.png)
            ![the loss](../output/reference/demo/loss.png) <!-- missing: the loss chart needs gnuplot -->
            ![the walk](../output/reference/demo/walk.png)
            """)
        try Data([2]).write(to: fixture.run.appendingPathComponent("samples.png"))
        let page = try fixture.weave(outputs: [])
        #expect(page.contains("![the samples](samples.png)"), "\(page)")                      // the run's own picture
        #expect(page.contains("*(the loss chart needs gnuplot.)*"), "\(page)")                // missing: the text's own words
        #expect(page.contains("*(walk.png: not drawn by this run (yet).)*"), "\(page)")       // missing: a default line
        #expect(!page.contains("loss.png") && !page.contains("<!--"), "\(page)")
        #expect(page.contains("# Demo\n\n> **Running:** epoch 1 of 3\n"), "the status line goes under the title")
        // An output named after the picture stands in for it (the latest grid while a GAN runs).
        try Data([3]).write(to: fixture.run.appendingPathComponent("epoch-001.png"))
        let latest = [Output(name: "walk.png", title: "Latest", markdown: "![epoch 1](epoch-001.png)"),
                      Output(name: "every epoch", title: "Every epoch", markdown: "[1](epoch-001.png), [2](epoch-002.png), ![3](epoch-003.png)")]
        let standIn = try fixture.weave(outputs: latest)
        #expect(standIn.contains("![epoch 1](epoch-001.png)") && !standIn.contains("### Latest"), "\(standIn)")
        // An output's links and pictures are the run folder's: a file it does not hold is no link, and no picture.
        #expect(standIn.contains("[1](epoch-001.png), 2, *(epoch-003.png: not in the run's folder.)*"), "\(standIn)")
        let elsewhere = try fixture.weave(outputs: latest, page: fixture.root.appendingPathComponent("output/book"))
        #expect(elsewhere.contains("![epoch 1](../demo/epoch-001.png)") && elsewhere.contains("[1](../demo/epoch-001.png), 2,"), "\(elsewhere)")
        // In the book, the page lies elsewhere: the same picture by a path from there.
        let book = try fixture.weave(outputs: [], page: fixture.root.appendingPathComponent("output/book"))
        #expect(book.contains("![the samples](../demo/samples.png)"), "\(book)")
    }

    @Test func outputsGoWhereTheTextMarksThemAndTheRestUnderThisRun() throws {
        let fixture = try Fixture(text: """
            # Demo

            The noisy input scores <!-- output: noisy -->9.38 dB<!-- end -->, whatever the epoch.

            <!-- output: demo/epochs -->

            <!-- output: map | run with --latent 2 to draw the map -->

            ![the samples](../output/reference/demo/samples.png)
            """)
        try Data([2]).write(to: fixture.run.appendingPathComponent("samples.png"))
        let outputs = [Output(name: "epochs", title: "Training, epoch by epoch", markdown: "| epoch |\n| --- |\n| 1 |"),
                       Output(name: "noisy", title: "Noisy", markdown: "9.40 dB"),
                       Output(name: "time", title: "Time", markdown: "- wall time 0:01"),
                       Output(name: "samples", title: "Samples", markdown: "![the samples](samples.png)")]
        let page = try fixture.weave(outputs: outputs)
        #expect(page.contains("scores 9.40 dB, whatever"), "\(page)")
        #expect(page.contains("\n| epoch |\n| --- |\n| 1 |\n"), "\(page)")
        #expect(page.contains("*(run with --latent 2 to draw the map.)*"), "\(page)")
        #expect(page.hasSuffix("## This run\n\n### Time\n\n- wall time 0:01\n"), "only the unplaced output is appended, once: \(page)")
        #expect(!page.contains("### Training, epoch by epoch") && !page.contains("### Samples"), "\(page)")
        // A run that recorded nothing yet: the reference number stays, said to be the reference's.
        let empty = try fixture.weave(outputs: [])
        #expect(empty.contains("scores 9.38 dB (the reference run's), whatever") && empty.contains("*(epochs: not made by this run (yet).)*"), "\(empty)")
    }

    @Test func codeIsQuotedFromItsRegionNeverCopied() throws {
        let fixture = try Fixture(text: """
            # Demo

            1. The step:

               <!-- code: Sources/demo/main.swift#the step -->
               ```swift
               let x = a + 2   // an old copy
               ```
            """)
        let page = try fixture.weave(outputs: [])
        #expect(page.contains("   ```swift\n   let x = a + 1   // x: [B]\n   print(x)\n   ```"), "\(page)")
        #expect(!page.contains("an old copy") && !page.contains("region"), "\(page)")
        // The author's tool puts the same lines into the text itself.
        let refreshed = try CodeRegion.refreshingQuotes(in: String(contentsOf: fixture.text, encoding: .utf8), repository: fixture.repository)
        let quote = try #require(CodeRegion.quotes(in: refreshed).first)
        #expect(quote.copy == (try quote.region.lines(in: fixture.repository)) && quote.copy == ["let x = a + 1   // x: [B]", "print(x)"])
        // A region that is missing is an error that names it.
        try "# Demo\n<!-- code: Sources/demo/main.swift#the loss -->\n```swift\n```\n".write(to: fixture.text, atomically: true, encoding: .utf8)
        expectError(containing: ["Sources/demo/main.swift has no region \"the loss\""]) { _ = try fixture.weave(outputs: []) }
    }

    @Test func linksLeadFromWhereverThePageIs() throws {
        let fixture = try Fixture(text: """
            # Demo

            See [chapter 2](02-other.md#the-idea), [the loop](../Sources/demo/main.swift) and [the web](https://example.org).
            """)
        let report = try fixture.weave(outputs: [])
        #expect(report.contains("[chapter 2](../../chapters/02-other.md#the-idea)") && report.contains("[the loop](../../Sources/demo/main.swift)"), "\(report)")
        #expect(report.contains("[the web](https://example.org)"))
        var weave = Weave(repository: fixture.repository, textFile: fixture.text, page: fixture.root.appendingPathComponent("output/book"),
                          sources: [], status: nil)
        weave.linkToText = { $0.lastPathComponent == "02-other.md" ? "02-other.html" : nil }
        let book = try weave.woven()
        #expect(book.contains("[chapter 2](02-other.html#the-idea)") && book.contains("[the loop](../../Sources/demo/main.swift)"), "\(book)")
    }

    @Test func theBookHasAPageForEveryTextAndShowsTheReadersRunWhereThereIsOne() throws {
        let fixture = try Fixture(text: "# Demo\n\n![the samples](../output/reference/demo/samples.png)\n\n[next](02-other.md)\n")
        let folder = fixture.root.appendingPathComponent("output/book")
        var pages = try Book(repository: fixture.repository, folder: folder).write()
        #expect(pages.map(\.file) == ["01-demo.html", "02-other.html"] && pages[0].readers == [false])
        var html = try String(contentsOf: folder.appendingPathComponent("01-demo.html"), encoding: .utf8)
        #expect(html.contains("src=\"../reference/demo/samples.png\"") && html.contains("href=\"02-other.html\""), "\(html)")
        #expect(html.contains("the reference run in <code>output/reference/demo/</code>"), "\(html)")
        // The reader runs the chapter: the book shows that run instead.
        try Data([2]).write(to: fixture.run.appendingPathComponent("samples.png"))
        try RunOutputs(run: "demo", status: "**Finished** in 0:01.", finished: true, command: "swift run demo", outputs: []).write(to: fixture.run)
        pages = try Book(repository: fixture.repository, folder: folder).write()
        html = try String(contentsOf: folder.appendingPathComponent("01-demo.html"), encoding: .utf8)
        #expect(pages[0].readers == [true] && html.contains("src=\"../demo/samples.png\"") && html.contains("your latest run"), "\(html)")
        let index = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("href=\"01-demo.html\"") && index.contains("href=\"02-other.html\""), "\(index)")
    }
}

@Suite("The chapters' texts and programs")
struct ChapterTextTests {
    let repository = Repository(root: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent())

    @Test func everyQuotedRegionExistsAndTheTextsCopyIsTheSource() throws {
        var quotes = 0
        for text in try repository.texts() {
            for quote in CodeRegion.quotes(in: try String(contentsOf: text, encoding: .utf8)) {
                quotes += 1
                let source = try quote.region.lines(in: repository)   // throws, naming the region, when it is missing
                #expect(quote.copy == source, """
                    \(text.lastPathComponent) quotes \(quote.region.reference), but its copy differs from the source \
                    (run `swift run book --quotes` to copy the source into the text)
                    """)
            }
        }
        #expect(quotes >= 7, "the chapters quote their training steps (\(quotes) quotes found)")
    }

    @Test func everyChapterWeavesAndShowsOnlyPicturesThatExist() throws {
        let book = Book(repository: repository, folder: temporaryFolder().appendingPathComponent("book"))
        for page in try book.pages() {
            var weave = Weave(repository: repository, textFile: page.text, page: book.folder, sources: page.sources, status: nil)
            let woven = try weave.woven()
            for picture in matches(of: #"!\[[^\]]*\]\(([^)\s]+)\)"#, in: woven).map({ $0[1] }) {
                let file = book.folder.appendingPathComponent(picture).standardizedFileURL
                #expect(FileManager.default.fileExists(atPath: file.path), "\(page.text.lastPathComponent) shows \(picture), which is missing")
            }
        }
    }

    /// A chapter's program is its lesson: it stays short enough to read at one sitting (200 lines at
    /// the most), and its steps live in Models/Steps.
    @Test func everyChapterProgramIsAtMost200Lines() throws {
        let sources = repository.root.appendingPathComponent("Sources")
        let programs = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { $0.hasPrefix("chapter") }
        #expect(programs.count >= 6)
        for program in programs {
            let lines = try String(contentsOf: sources.appendingPathComponent("\(program)/main.swift"), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).count - 1
            #expect(lines <= 200, "\(program)/main.swift has \(lines) lines: a chapter's program is its lesson; prose belongs in chapters/")
        }
    }

    /// Every source line fits a laptop editor's window: about 120 characters, 130 at the most
    /// (a few messages and commands run a little past 120 rather than break a sentence).
    @Test func everySourceLineIsAtMost130Characters() throws {
        let sources = repository.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 50)
        var long: [String] = []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.count > 130 {
                long.append("Sources/\(file):\(number + 1) (\(line.count) characters)")
            }
        }
        #expect(long.isEmpty, "lines over 130 characters:\n\(long.joined(separator: "\n"))")
    }
}
