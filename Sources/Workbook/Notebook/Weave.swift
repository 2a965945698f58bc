import Foundation

/// The weave: a chapter's text with a run's outputs in it, as one markdown page. There is one
/// narration, the text in `chapters/`; the program only makes named outputs, and the weave puts
/// them where the text refers to them. Every mark stays harmless where the markdown is read as it
/// is (on GitHub, the text shows the reference run and no stray syntax):
///
/// - a picture of a reference run, `![…](../output/reference/RUN/FILE.png)`, becomes the run's own
///   FILE.png; if the run has not drawn it (yet), a line says so, never a broken picture (a comment
///   after the picture, `<!-- missing: run with --latent 2 to draw this -->`, says what to say);
///   an output the run names FILE.png stands in for the file (the latest epoch's grid while a
///   GAN runs, before `samples.png` is drawn at the end);
/// - `<!-- output: NAME -->` on a line of its own becomes the run's output NAME (a table, a chart);
///   `<!-- output: RUN/NAME -->` takes it from another run the page shows; inside a sentence,
///   `<!-- output: NAME -->9.38 dB<!-- end -->` shows the reference's number on GitHub and the run's in the weave;
/// - `<!-- code: FILE#REGION -->` before a fenced block puts the region's current code in it
///   (`CodeRegion`);
/// - links relative to the text are made relative to the page, wherever it is written.
///
/// The status line goes under the title, and the run's outputs the text did not place are
/// appended under "This run", so that nothing a run made is silently lost.
public struct Weave {
    /// A run whose pictures and outputs the page shows.
    public struct Source {
        /// The reference run it stands for (`chapter06-dcgan-mnist`): its pictures are swapped for this run's.
        public var run: String
        public var folder: URL
        public var outputs: RunOutputs?

        public init(run: String, folder: URL, outputs: RunOutputs?) {
            self.run = run
            self.folder = folder.standardizedFileURL
            self.outputs = outputs
        }

        /// The run in `folder`, with the outputs it saved there (if any).
        public init(run: String, folder: URL) {
            self.init(run: run, folder: folder, outputs: RunOutputs(folder: folder))
        }
    }

    public let repository: Repository
    public let textFile: URL
    /// The folder the woven page is written to: its pictures and links are relative to it.
    public let page: URL
    /// The runs the page shows, the one whose page it is first.
    public var sources: [Source]
    /// The line under the title (a run's status; in the book, which run the page shows).
    public var status: String?
    /// Where a link to another chapter's text leads (the book links its pages); nil: to the text itself.
    public var linkToText: (URL) -> String? = { _ in nil }
    /// The run's files the page has shown so far (while weaving).
    private var shown: Set<String> = []
    /// The outputs the text has placed so far (while weaving).
    private var placed: Set<String> = []

    public init(repository: Repository, textFile: URL, page: URL, sources: [Source], status: String?) {
        self.repository = repository
        self.textFile = textFile.standardizedFileURL
        self.page = page.standardizedFileURL
        self.sources = sources
        self.status = status
    }

    /// The woven page, as markdown. Throws when the text cannot be read or quotes a region that is missing.
    public mutating func woven() throws -> String {
        let text: String
        do { text = try String(contentsOf: textFile, encoding: .utf8) } catch {
            throw WorkbookError("cannot read the chapter's text \(textFile.path): \(error.localizedDescription)")
        }
        return try weave(text)
    }

    /// `text` woven (the text as read from `textFile`).
    public mutating func weave(_ text: String) throws -> String {
        var out: [String] = []
        shown = []
        placed = []
        var fence: Fence?, quote: [String]?, pendingQuote: [String]?, titled = false
        for line in text.components(separatedBy: "\n") {
            if fence != nil {                                   // inside a code block: as it is, or the quoted region
                if Fence(line) != nil {
                    out +=
                        quote.map { region in
                            region.map { $0.isEmpty ? "" : String(repeating: " ", count: fence!.indent) + $0 }
                        } ?? []
                    fence = nil
                    quote = nil
                    out.append(line)
                } else if quote == nil {
                    out.append(line)
                }
                continue
            }
            if let region = Mark.code(line) {
                pendingQuote = try region.lines(in: repository)
            } else if let opening = Fence(line) {
                fence = opening
                quote = pendingQuote
                pendingQuote = nil
                out.append(line)
            } else if let mark = Mark.output(line) {
                place(mark.name)
                out.append(render(mark.name, missing: mark.missing))
            } else {
                out.append(rewrite(line))
                if !titled && line.hasPrefix("# ") {
                    titled = true
                    if let status { out += ["", "> \(status)"] }
                }
            }
        }
        while out.last?.isEmpty == true { out.removeLast() }
        return (out + thisRun()).joined(separator: "\n") + "\n"
    }

    /// The primary run's outputs that the text did not place, under "This run".
    func thisRun() -> [String] {
        guard let primary = sources.first else { return [] }
        guard let outputs = primary.outputs else {
            let report = primary.folder.appendingPathComponent("report.html")
            return [
                "", "## This run", "",
                "*(This run's tables and numbers were not recorded for the weave: "
                    + "`\(relativePath(from: repository.root, to: primary.folder))` "
                    + "holds no \(RunOutputs.fileName). Its pictures are shown above"
                    + (FileManager.default.fileExists(atPath: report.path)
                        ? "; its own report is [report.html](\(relativePath(from: page, to: report))).)*" : ".)*"),
            ]
        }
        // An output that is only a picture the text already showed is not shown twice.
        let left = outputs.outputs.filter { output in
            guard !placed.contains(output.name) else { return false }
            let picture = matches(of: #"^!\[[^\]]*\]\(([^)\s]+)\)$"#, in: output.markdown).first
            return picture.map {
                !shown.contains(primary.folder.appendingPathComponent($0[1]).standardizedFileURL.path)
            } ?? true
        }
        guard !left.isEmpty else { return [] }
        return ["", "## This run"]
            + left.flatMap { ["", "### \($0.title)", "", rebased($0.markdown, from: primary.folder)] }
    }

    /// The output a mark names, or the line that says why it is not here.
    func render(_ name: String, missing: String?) -> String {
        if let output = output(name) { return rebased(output.markdown, from: find(name).source!.folder) }
        let (source, key) = find(name)
        let why =
            missing
            ?? (source?.outputs == nil ? "\(key): not recorded for this run" : "\(key): not made by this run (yet)")
        return "*(\(why).)*"
    }

    /// The output a mark names: `NAME` of the page's run, or `RUN/NAME` of another run the page shows.
    func output(_ name: String) -> Output? {
        let (source, key) = find(name)
        return source?.outputs?[key]
    }

    /// Notes that the text placed the output `name`, so that it is not appended under "This run".
    mutating func place(_ name: String) {
        let (source, key) = find(name)
        if source != nil && source?.run == sources.first?.run { placed.insert(key) }
    }

    func find(_ name: String) -> (source: Source?, key: String) {
        guard let slash = name.firstIndex(of: "/") else { return (sources.first, name) }
        return (sources.first { $0.run == name[..<slash] }, String(name[name.index(after: slash)...]))
    }

    /// A line of the text with its pictures swapped for the run's and its links made relative to the page.
    mutating func rewrite(_ line: String) -> String {
        let line = replacingMatches(of: #"<!--\s*output:\s*(.+?)\s*-->(.*?)<!--\s*end\s*-->"#, in: line) { groups in
            place(groups[1])
            return output(groups[1]).map { rebased($0.markdown, from: find(groups[1]).source!.folder) }
                ?? "\(groups[2]) (the reference run's)"
        }
        return replacingMatches(of: #"(!?)\[([^\]]*)\]\(([^)\s]+)\)(?:[ \t]*<!--\s*missing:\s*(.*?)\s*-->)?"#, in: line)
        { groups in
            let (isPicture, label, target, missing) = (groups[1] == "!", groups[2], groups[3], groups[4])
            guard !target.contains("://"), !target.hasPrefix("#"), !target.hasPrefix("/"), !target.hasPrefix("mailto:")
            else { return groups[0] }
            let pieces = target.split(separator: "#", maxSplits: 1)
            let resolved = textFile.deletingLastPathComponent().appendingPathComponent(String(pieces[0]))
                .standardizedFileURL
            let anchor = pieces.count > 1 ? "#" + pieces[1] : ""
            guard isPicture else { return "[\(label)](\(linkTarget(resolved) + anchor))" }
            return picture(label, resolved, missing: missing.isEmpty ? nil : missing)
        }
    }

    /// A reference run's picture as this page shows it: the run's own, its stand-in, or a line.
    mutating func picture(_ label: String, _ file: URL, missing: String?) -> String {
        let reference = repository.referenceFolder.standardizedFileURL.path + "/"
        guard file.path.hasPrefix(reference) else { return "![\(label)](\(relativePath(from: page, to: file)))" }
        let inside = file.path.dropFirst(reference.count).split(separator: "/", maxSplits: 1).map(String.init)
        guard inside.count == 2, let source = sources.first(where: { $0.run == inside[0] }) else {
            return "![\(label)](\(relativePath(from: page, to: file)))"
        }
        if let standIn = source.outputs?[inside[1]] {
            if source.run == sources.first?.run { placed.insert(inside[1]) }
            return rebased(standIn.markdown, from: source.folder)
        }
        let own = source.folder.appendingPathComponent(inside[1])
        if FileManager.default.fileExists(atPath: own.path) {
            shown.insert(own.standardizedFileURL.path)
            return "![\(label)](\(relativePath(from: page, to: own)))"
        }
        return "*(\(missing ?? "\(inside[1]): not drawn by this run (yet)").)*"
    }

    /// An output's markdown, whose links and pictures are relative to its run's folder, as the page
    /// shows it: relative to the page; a picture the run's folder does not hold becomes a line, a
    /// link to a file it does not hold becomes its label (a reference run keeps fewer files).
    func rebased(_ markdown: String, from folder: URL) -> String {
        replacingMatches(of: #"(!?)\[([^\]]*)\]\(([^)\s]+)\)"#, in: markdown) { groups in
            let (isPicture, label, target) = (groups[1] == "!", groups[2], groups[3])
            guard !target.contains("://"), !target.hasPrefix("#"), !target.hasPrefix("/") else { return groups[0] }
            let file = folder.appendingPathComponent(target).standardizedFileURL
            guard FileManager.default.fileExists(atPath: file.path) else {
                return isPicture ? "*(\(target): not in the run's folder.)*" : label
            }
            return "\(groups[1])[\(label)](\(relativePath(from: page, to: file)))"
        }
    }

    /// A link to a file of the workbook, from the page: another chapter's page in the book, else the file.
    func linkTarget(_ file: URL) -> String {
        if file.pathExtension == "md",
            file.deletingLastPathComponent().path == repository.chaptersFolder.standardizedFileURL.path,
            let page = linkToText(file)
        {
            return page
        }
        return relativePath(from: page, to: file)
    }
}
