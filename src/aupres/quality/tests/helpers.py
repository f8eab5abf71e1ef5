import datetime
import subprocess
import tempfile

from aupres.quality.models import Criterion

TODAY = datetime.date.today()
YEAR = TODAY.year


def criterion(code):
    return Criterion.objects.get(code=code)


def pdf_text(pdf):
    """The text of a PDF, as pdftotext reads it (poppler-utils)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, check=True,  # noqa: S603,S607
                              text=True).stdout
