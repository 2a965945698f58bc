import Foundation

/// The book: every chapter and appendix woven into web pages a browser opens from the file system
/// (`swift run book`, into `output/book/`). Each page shows the reader's own latest run of its
/// chapter where there is one (a folder `output/<run>/` that a run has woven), and the reference
/// run elsewhere, and says which, and when it was made. Links between the texts lead from page to
/// page; links to the sources lead to the files in the checkout.
public struct Book {
    public let repository: Repository
    /// Where the pages go (`output/book/`).
    public let folder: URL

    public init(repository: Repository, folder: URL) {
        self.repository = repository
        self.folder = folder.standardizedFileURL
    }

    /// One page of the book: its text, its title, the runs it shows.
    public struct Page {
        public var text: URL
        public var title: String
        public var sources: [Weave.Source]
        /// Whether each source is the reader's run (else the reference run).
        public var readers: [Bool]
        public var file: String { text.deletingPathExtension().lastPathComponent + ".html" }
    }

    /// The pages, in the order of the texts.
    public func pages() throws -> [Page] {
        try repository.texts().map { text in
            let markdown: String
            do { markdown = try String(contentsOf: text, encoding: .utf8) } catch {
                throw WorkbookError("cannot read \(text.path): \(error.localizedDescription)")
            }
            let runs = Repository.runs(shownIn: markdown).map(source)
            return Page(
                text: text, title: Notebook.title(of: markdown), sources: runs.map(\.source),
                readers: runs.map(\.readers))
        }
    }

    /// The run a page shows for `run`: the reader's, when `output/<run>/` holds a woven run, else the reference run.
    func source(_ run: String) -> (source: Weave.Source, readers: Bool) {
        let own = repository.root.appendingPathComponent("output/\(run)")
        if let outputs = RunOutputs(folder: own) {
            return (Weave.Source(run: run, folder: own, outputs: outputs), true)
        }
        return (Weave.Source(run: run, folder: repository.referenceFolder.appendingPathComponent(run)), false)
    }

    /// Writes `index.html` and one page per text; returns the pages written.
    @discardableResult
    public func write() throws -> [Page] {
        let pages = try self.pages()
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw WorkbookError("cannot create the book's folder \(folder.path): \(error.localizedDescription)")
        }
        let pageOfText = Dictionary(uniqueKeysWithValues: pages.map { ($0.text.standardizedFileURL.path, $0.file) })
        for (index, page) in pages.enumerated() {
            var weave = Weave(
                repository: repository, textFile: page.text, page: folder, sources: page.sources, status: whose(page))
            weave.linkToText = { pageOfText[$0.standardizedFileURL.path] }
            var links = ["[Contents](index.html)"]
            if index > 0 { links.insert("[← \(pages[index - 1].title)](\(pages[index - 1].file))", at: 0) }
            if index + 1 < pages.count { links.append("[\(pages[index + 1].title) →](\(pages[index + 1].file))") }
            let navigation = links.joined(separator: " · ")
            let markdown = navigation + "\n\n" + (try weave.woven()) + "\n---\n\n" + navigation + "\n"
            try save(HTMLPage.page(title: page.title, markdown: markdown, live: false), as: page.file)
        }
        try save(HTMLPage.page(title: "Generative Workbook", markdown: contents(pages), live: false), as: "index.html")
        return pages
    }

    /// The line under a page's title: which run it shows, and when that run was made.
    func whose(_ page: Page) -> String? {
        guard !page.sources.isEmpty else { return nil }
        let runs = zip(page.sources, page.readers).map { source, readers in
            let folder = relativePath(from: repository.root, to: source.folder)
            let when = made(source).map { " (\($0))" } ?? ""
            return readers
                ? "your latest run in "
                  + "`\(folder)/`\(when)\(source.outputs.map { $0.finished ? "" : ": " + $0.status } ?? "")"
                : "the reference run in `\(folder)/`\(when)"
        }
        return "**Pictures and numbers on this page:** " + runs.joined(separator: "; ") + "."
    }

    /// When a run was made: its outputs' date, else its metrics'.
    func made(_ source: Weave.Source) -> String? {
        if let written = source.outputs?.written { return Self.day.string(from: written) }
        return (try? RunMetrics(contentsOf: source.folder)).map { String($0.date.prefix(10)) }
    }

    static let day: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter
    }()

    /// The table of contents.
    func contents(_ pages: [Page]) -> String {
        var lines = [
            "# Generative Workbook", "",
            "Autoencoders and GANs from first principles, in Swift: every chapter's text woven with the pictures and "
                + "numbers of a run. A page shows your own latest run of its chapter where you have made one "
                + "(`swift run chapter01-autoencoder`, then `swift run book` again), and the reference run elsewhere.",
            "",
            "| | chapter | pictures and numbers from |", "|---|:---|:---|",
        ]
        for page in pages {
            let number = page.text.lastPathComponent.prefix { $0 != "-" }
            let from = zip(page.sources, page.readers).map {
                $1 ? "your run (`\(relativePath(from: repository.root, to: $0.folder))`)" : "the reference run"
            }
            lines.append(
                "| \(number) | [\(page.title)](\(page.file)) | "
                    + "\(from.isEmpty ? "the text alone" : Array(Set(from)).sorted().joined(separator: ", ")) |"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func save(_ html: String, as name: String) throws {
        let file = folder.appendingPathComponent(name)
        do { try html.write(to: file, atomically: true, encoding: .utf8) } catch {
            throw WorkbookError("cannot write \(file.path): \(error.localizedDescription)")
        }
    }
}
