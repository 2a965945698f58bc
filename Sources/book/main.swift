// The book: every chapter and appendix woven with its runs' pictures and numbers, as web pages
// that open from the file system (Sources/Workbook/Notebook/Book.swift).
//
//     swift run book                 # output/book/index.html: your own runs where you have made them
//     swift run book --quotes        # first copy every quoted region of code into the texts (authors)
//     swift run book --report output/chapter03-gan   # weave that run's report again, from the text as it is now

import ArgumentParser
import Foundation
import Workbook

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "book",
        abstract: "Weave every chapter's text with its runs into web pages (output/book/index.html).")

    @Option(
        name: .customLong("output-dir"),
        help: ArgumentHelp("Where the pages go (default: output/book).", valueName: "path"))
    var outputDir: String?

    @Flag(
        help:
            "Before weaving, rewrite the code the texts quote (`<!-- code: FILE#REGION -->`) from the sources' regions."
    )
    var quotes = false

    @Option(
        help: ArgumentHelp(
            "Also weave the report of the run in this folder again, from its outputs.json and the text as it is now "
                + "(repeatable).", valueName: "folder"))
    var report: [String] = []
}

let options = Options.parseOrExit()
let repository = Repository.current
exitOnError {
    if options.quotes {
        for text in try repository.texts() {
            let old = try String(contentsOf: text, encoding: .utf8)
            let new = try CodeRegion.refreshingQuotes(in: old, repository: repository)
            if new != old {
                try new.write(to: text, atomically: true, encoding: .utf8)
                print("updated the quoted code in \(text.lastPathComponent)")
            }
        }
    }
    for path in options.report {
        let folder = URL(fileURLWithPath: path)
        guard let outputs = RunOutputs(folder: folder) else {
            throw WorkbookError("\(path) holds no readable \(RunOutputs.fileName): is it the output folder of a run?")
        }
        try Notebook.writePage(
            of: Weave.Source(run: outputs.run, folder: folder, outputs: outputs), status: outputs.status, live: false,
            to: folder.appendingPathComponent("report.md"), repository: repository)
        print("Wove \(path)/report.md and report.html again")
    }
    let folder = URL(fileURLWithPath: options.outputDir ?? repository.root.appendingPathComponent("output/book").path)
    let pages = try Book(repository: repository, folder: folder).write()
    let yours = pages.flatMap(\.readers).filter { $0 }.count
    print(
        "Wrote \(pages.count) pages and the contents, \(folder.path)/index.html (\(yours) of them show your own runs; "
            + "the others the reference runs). Open it in a browser.")
}
