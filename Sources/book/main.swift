// The book: every chapter and appendix woven with its runs' pictures and numbers, as web pages
// that open from the file system (Sources/Workbook/Notebook/Book.swift).
//
//     swift run book                 # output/book/index.html: your own runs where you have made them
//     swift run book --quotes        # first copy every quoted region of code into the texts (authors)

import ArgumentParser
import Foundation
import Workbook

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "book",
        abstract: "Weave every chapter's text with its runs into web pages (output/book/index.html).")

    @Option(name: .customLong("output-dir"), help: ArgumentHelp("Where the pages go (default: output/book).", valueName: "path"))
    var outputDir: String?

    @Flag(help: "Before weaving, rewrite the code the texts quote (`<!-- code: FILE#REGION -->`) from the sources' regions.")
    var quotes = false
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
    let folder = URL(fileURLWithPath: options.outputDir ?? repository.root.appendingPathComponent("output/book").path)
    let pages = try Book(repository: repository, folder: folder).write()
    let yours = pages.flatMap(\.readers).filter { $0 }.count
    print("Wrote \(pages.count) pages and the contents, \(folder.path)/index.html (\(yours) of them show your own runs; "
          + "the others the reference runs). Open it in a browser.")
}
