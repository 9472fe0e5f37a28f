"""Page images rendered with pypdfium2 (pinned: its output is the reference for regressions)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

DEFAULT_DPI = 100


def render_pages(pdf: Path, dpi: int = DEFAULT_DPI, grey: bool = False) -> list[Image.Image]:
    """Every page of a PDF as a PIL image (trim box = what the reader sees)."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError as exc:
        raise ValueError(f"{pdf}: not a readable PDF ({exc})") from None
    try:
        out = []
        for page in doc:
            bitmap = page.render(scale=dpi / 72, grayscale=grey)
            img = bitmap.to_pil()
            out.append(img.convert("L") if grey else img.convert("RGB"))
            page.close()
        return out
    finally:
        doc.close()


def write_previews(pdf: Path, out_dir: Path, dpi: int = DEFAULT_DPI, grey: bool = False,
                   stem: str | None = None) -> list[Path]:
    """PNG per page: `<stem>-p<N>.png` in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, img in enumerate(render_pages(pdf, dpi, grey), 1):
        path = out_dir / f"{stem or pdf.stem}-p{n}.png"
        import io

        from typeset.atomic import write_atomic

        buf = io.BytesIO()
        img.save(buf, format="PNG")
        write_atomic(path, buf.getvalue())
        paths.append(path)
    return paths
