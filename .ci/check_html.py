"""Opens a report.html in headless Chromium, as a reader's browser would, and fails (exit 1) when
the page is blank (hardly any text), when it shows no picture, when a picture on it did not load
(the page marks such an <img> with data-broken), or when its screenshot is one flat colour.
Usage: python3 check_html.py REPORT.html SCREENSHOT.png   (the screenshot is kept, to look at)"""
import os, re, shutil, subprocess, sys
sys.path.insert(0, os.path.dirname(__file__))
from check_png import decode

def chromium(*arguments):
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        sys.exit("check_html: no chromium on the PATH (apt-get install chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=5000"]
    return subprocess.run([browser, *flags, *arguments], capture_output=True, text=True, timeout=120)

def main():
    page, shot = os.path.abspath(sys.argv[1]), sys.argv[2]
    dom = chromium("--dump-dom", "file://" + page).stdout
    body = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", "", dom)
    text = re.sub(r"<[^>]+>", " ", body)
    images = re.findall(r"<img\b[^>]*>", body)
    broken = [re.search(r'src="([^"]*)"', tag).group(1) for tag in images if "data-broken" in tag]
    problems = []
    if len(text.split()) < 50:
        problems.append(f"the page is blank ({len(text.split())} words)")
    if not images:
        problems.append("the page shows no picture")
    if broken:
        problems.append("pictures did not load: " + ", ".join(broken))
    chromium("--window-size=1100,2400", "--screenshot=" + os.path.abspath(shot), "file://" + page)
    width, height, channels, raw = decode(shot)
    if len(set(raw)) < 16:
        problems.append(f"the screenshot is flat ({len(set(raw))} distinct byte values)")
    if problems:
        print(f"BAD PAGE {page}: " + "; ".join(problems))
        sys.exit(1)
    print(f"ok {page}: {len(text.split())} words, {len(images)} pictures all loaded; screenshot {width}x{height} in {shot}")


if __name__ == "__main__":
    main()
