import CCmark
import Foundation

/// The report as one web page a browser opens from the file system: the markdown rendered by
/// GitHub's cmark-gfm (tables included), styles inline, pictures by relative path, nothing from the
/// network. While the run goes the page reloads itself every 15 seconds; once it has finished or
/// stopped it stays still. A picture that cannot be loaded is marked (`data-broken`) and says so
/// on the page, which the CI's browser check looks for.
public enum HTMLPage {
    /// Markdown (with GitHub's tables, strikethrough and autolinks) as HTML.
    public static func render(_ markdown: String) -> String {
        cmark_gfm_core_extensions_ensure_registered()
        let options = CMARK_OPT_DEFAULT
        guard let parser = cmark_parser_new(options) else { return "<pre>\(escaped(markdown))</pre>" }
        defer { cmark_parser_free(parser) }
        for name in ["table", "strikethrough", "autolink"] {
            if let ext = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, ext) }
        }
        let bytes = Array(markdown.utf8)
        bytes.withUnsafeBufferPointer {
            cmark_parser_feed(parser, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count)
        }
        guard let document = cmark_parser_finish(parser) else { return "<pre>\(escaped(markdown))</pre>" }
        defer { cmark_node_free(document) }
        guard let html = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else {
            return ""
        }
        defer { free(html) }
        return String(cString: html)
    }

    /// The whole page for a report: `live` pages reload themselves.
    public static func page(title: String, markdown: String, live: Bool) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        \(live ? "<meta http-equiv=\"refresh\" content=\"15\">\n" : "")<title>\(escaped(title))</title>
        <style>
        body { font: 16px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 960px; margin: 2em auto; \
        padding: 0 1em; color: #1f2328; }
        h1, h2, h3 { line-height: 1.25; } h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin-top: 1.6em; }
        blockquote { margin: 1em 0; padding: .5em 1em; border-left: 4px solid #0969da; background: #f6f8fa; }
        table { border-collapse: collapse; margin: 1em 0; display: block; overflow-x: auto; }
        th, td { border: 1px solid #d1d9e0; padding: 4px 10px; text-align: right; } th { background: #f6f8fa; }
        th[align=left], td[align=left] { text-align: left; }
        code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 90%; background: #f6f8fa; }
        pre { padding: 1em; overflow-x: auto; } code { padding: .1em .3em; } pre code { padding: 0; }
        img { max-width: 100%; image-rendering: pixelated; border: 1px solid #d1d9e0; }
        img[data-broken] { display: none; } .broken { color: #cf222e; font-weight: bold; }
        </style>
        </head>
        <body>
        \(render(markdown))
        <script>
        // Say so when a picture cannot be loaded (not drawn yet, or deleted), instead of a broken icon.
        window.addEventListener("load", function () {
          document.querySelectorAll("img").forEach(function (img) {
            if (!img.complete || img.naturalWidth === 0) {
              img.setAttribute("data-broken", "");
              var note = document.createElement("span");
              note.className = "broken";
              note.textContent = "[picture missing: " + img.getAttribute("src") + "]";
              img.after(note);
            }
          });
        });
        </script>
        </body>
        </html>

        """
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
