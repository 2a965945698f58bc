"""Opens every page of the book (swift run book) in headless Chromium, as a reader's browser would,
and fails (exit 1) when a page is blank, when a picture on it did not load, or when a link on it
leads nowhere: every relative link (to another page, a picture, a source file) must name a file
that exists, and every page of the book must be reachable from index.html.
Usage: python3 check_book.py BOOK_FOLDER SCREENSHOT_FOLDER   (a screenshot of each page is kept)"""
import os, re, sys, urllib.parse
sys.path.insert(0, os.path.dirname(__file__))
from check_html import chromium
from check_png import decode

book, shots = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
os.makedirs(shots, exist_ok=True)
pages = sorted(name for name in os.listdir(book) if name.endswith(".html"))
problems, reached, seen = [], {"index.html"}, 0
if "index.html" not in pages:
    problems.append("there is no index.html")
for name in pages:
    path = os.path.join(book, name)
    dom = chromium("--dump-dom", "file://" + path).stdout
    body = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", "", dom)
    words = len(re.sub(r"<[^>]+>", " ", body).split())
    if words < 50:
        problems.append(f"{name} is blank ({words} words)")
    for tag in re.findall(r"<img\b[^>]*>", body):
        if "data-broken" in tag:
            source = re.search(r'src="([^"]*)"', tag).group(1)
            problems.append(f"{name}: a picture did not load: {source}")
    for target in re.findall(r'<a\b[^>]*href="([^"]*)"', body):
        target = urllib.parse.unquote(target.replace("&amp;", "&"))
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        file = os.path.normpath(os.path.join(book, target.split("#")[0]))
        if not os.path.exists(file):
            problems.append(f"{name}: the link {target} leads nowhere")
        elif os.path.dirname(file) == book and file.endswith(".html"):
            reached.add(os.path.basename(file))
        seen += 1
    shot = os.path.join(shots, name.replace(".html", ".png"))
    chromium("--window-size=1100,1600", "--screenshot=" + shot, "file://" + path)
    width, height, channels, raw = decode(shot)
    if len(set(raw)) < 16:
        problems.append(f"{name}: the screenshot is flat")
unreached = sorted(set(pages) - reached)
if unreached:
    problems.append("pages no link leads to: " + ", ".join(unreached))
if problems:
    print(f"BAD BOOK {book}:\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"ok {book}: {len(pages)} pages, {seen} links all lead somewhere, every picture loaded; screenshots in {shots}")
