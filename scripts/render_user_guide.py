"""Render docs/USER_GUIDE.md to one self-contained HTML page for the plugin zip (help/user_guide.html),
which the ? button of each GAIR dock opens offline (gair_qgis.plugin_files.user_guide_url).

    python scripts/render_user_guide.py OUT.html [--guide docs/USER_GUIDE.md]

Headings get ids (the markdown `toc` extension), so a dock can open a section with #anchor.
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import markdown  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[1]

STYLE = """body { font-family: sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
code { background: #f2f2f2; padding: 0 0.2em; } pre { background: #f2f2f2; padding: 0.6em; overflow-x: auto; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; }"""


def render(guide: Path) -> str:
    """The guide as a complete HTML document (UTF-8, inline style, no external resources)."""
    text = guide.read_text(encoding="utf-8")
    body = markdown.markdown(text, extensions=["toc", "tables", "fenced_code"], output_format="html")
    title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("# ")), "GAIR user guide")
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
        f"<style>\n{STYLE}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the HTML file to write")
    parser.add_argument("--guide", type=Path, default=ROOT / "docs" / "USER_GUIDE.md")
    args = parser.parse_args(argv)
    if not args.guide.is_file():
        print(f"error: the user guide {args.guide} is missing", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(args.guide), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
