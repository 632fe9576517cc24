"""Reading uploads safely: a size cap enforced while the body arrives, in-memory multipart
parsing, and image types told by their first bytes rather than by what the client claims.

Nothing here touches the file system: an upload lives in memory for the length of one request
and the client's file name is never used.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from moodtune.errors import MoodtuneError

__all__ = [
    "FORM_OVERHEAD_BYTES",
    "IMAGE_TYPES",
    "KINDS",
    "MAX_FIELDS",
    "MAX_FIELD_BYTES",
    "MAX_IMAGE_BYTES",
    "MAX_JSON_BYTES",
    "FilePart",
    "Form",
    "UploadError",
    "check_image",
    "declared_length",
    "media_type",
    "parse_multipart",
    "parse_urlencoded",
    "read_capped",
    "sniff_image",
    "too_large",
]

#: Largest image accepted, in bytes (20 MiB).
MAX_IMAGE_BYTES = 20 * 1024 * 1024
#: Room for the multipart envelope and the small text fields around the image, in bytes.
FORM_OVERHEAD_BYTES = 256 * 1024
#: Largest JSON body accepted, in bytes.
MAX_JSON_BYTES = 64 * 1024
#: Largest text field in a form, in bytes.
MAX_FIELD_BYTES = 16 * 1024
#: Most text fields in one form.
MAX_FIELDS = 16

#: Image formats accepted (told by their magic bytes in sniff_image): (name, MIME type).
_SIGNATURES: tuple[tuple[str, str], ...] = (
    ("JPEG", "image/jpeg"),
    ("PNG", "image/png"),
    ("GIF", "image/gif"),
    ("WebP", "image/webp"),
    ("BMP", "image/bmp"),
    ("TIFF", "image/tiff"),
)
#: The accepted formats, as named in messages.
KINDS = "JPEG, PNG, WebP, GIF, BMP or TIFF"
#: The MIME types a client may declare for an image part (besides a generic binary type).
IMAGE_TYPES: frozenset[str] = frozenset(mime for _, mime in _SIGNATURES) | {
    "image/jpg",
    "image/pjpeg",
    "image/x-png",
    "image/x-ms-bmp",
}
_GENERIC_TYPES = frozenset({"", "application/octet-stream"})


class UploadError(MoodtuneError):
    """A request body the API refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def too_large(what: str, limit: int) -> UploadError:
    return UploadError(f"{what} is larger than the limit of {_size(limit)}", status=413)


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """The (format name, MIME type) of an image told by its first bytes, or None.

    Recognises JPEG, PNG, GIF, WebP, BMP and TIFF (the formats the image reader decodes);
    anything else (text, PDF, HTML, SVG, an empty body) gives None.
    """
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return _SIGNATURES[0]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _SIGNATURES[1]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _SIGNATURES[2]
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _SIGNATURES[3]
    if head.startswith(b"BM") and len(data) > 26:
        return _SIGNATURES[4]
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return _SIGNATURES[5]
    return None


def check_image(data: bytes, declared: str | None, *, field: str = "image") -> str:
    """Check an uploaded image and return its real MIME type.

    ``declared`` is the part's Content-Type. Raises :class:`UploadError` 415 when the bytes
    are not one of the accepted image formats (whatever the header says) or when the header
    names something that is not an image; 413 when it is over :data:`MAX_IMAGE_BYTES`.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise too_large("the image", MAX_IMAGE_BYTES)
    claimed = (declared or "").split(";", 1)[0].strip().lower()
    if claimed not in _GENERIC_TYPES and claimed not in IMAGE_TYPES:
        raise UploadError(
            f"{field}: the file is sent as {claimed!r}; send a {KINDS} image",
            status=415,
            field=field,
        )
    if not data:
        raise UploadError(f"{field}: the file is empty", status=422, field=field)
    sniffed = sniff_image(data)
    if sniffed is None:
        said = f" although it is labelled {claimed!r}" if claimed not in _GENERIC_TYPES else ""
        raise UploadError(
            f"{field}: the file is not a {KINDS} image{said}",
            status=415,
            field=field,
        )
    return sniffed[1]


def media_type(content_type: str | None) -> str:
    """The bare, lower-case media type of a Content-Type header ('' when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def declared_length(
    content_length: str | None, limit: int, what: str, shown: int | None = None
) -> None:
    """Refuse early when the Content-Length header already says the body is over ``limit``.

    The header is only a shortcut: :func:`read_capped` enforces the limit on the bytes that
    actually arrive.
    """
    if content_length is None:
        return
    try:
        length = int(content_length)
    except ValueError:
        raise UploadError("the Content-Length header is not a number", status=400) from None
    if length > limit:
        raise too_large(what, shown or limit)


async def read_capped(
    stream: AsyncIterator[bytes], limit: int, what: str, shown: int | None = None
) -> bytes:
    """Read a body from ``stream`` into memory, stopping with 413 once it passes ``limit``.

    ``shown`` is the limit named in the message when it differs from ``limit`` (a form may
    carry a little more than its 20 MB image).
    """
    body = bytearray()
    async for chunk in stream:
        body += chunk
        if len(body) > limit:
            raise too_large(what, shown or limit)
    return bytes(body)


@dataclass
class FilePart:
    """A file from a multipart form, in memory; the client's file name is not kept."""

    data: bytes
    content_type: str | None


@dataclass
class Form:
    """A parsed multipart form: text fields by name and file parts by name."""

    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, FilePart] = field(default_factory=dict)


def parse_multipart(body: bytes, content_type: str) -> Form:
    """Parse a ``multipart/form-data`` body held in memory.

    At most :data:`MAX_FIELDS` text fields of :data:`MAX_FIELD_BYTES` each and one file part
    per name; a repeated name is refused rather than silently overwritten. Raises
    :class:`UploadError` (400/413/422) for a malformed or oversized form.
    """
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header

    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise UploadError("the multipart body has no boundary in its Content-Type", status=400)
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        charset = "utf-8"

    collector = _Collector(charset)
    callbacks = {
        "on_part_begin": collector.begin,
        "on_header_field": collector.header_field,
        "on_header_value": collector.header_value,
        "on_header_end": collector.header_end,
        "on_headers_finished": collector.headers_finished,
        "on_part_data": collector.part_data,
        "on_part_end": collector.part_end,
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError:
        raise UploadError("the multipart body is malformed", status=400) from None
    return collector.form


def parse_urlencoded(body: bytes) -> Form:
    """Parse an ``application/x-www-form-urlencoded`` body (text fields only, no files)."""
    from urllib.parse import parse_qsl

    form = Form()
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=bool(body),
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise UploadError("the form is not UTF-8 text", status=400) from None
    except ValueError as error:
        status = 422 if "Max number of fields" in str(error) else 400
        message = (
            f"too many form fields (at most {MAX_FIELDS})"
            if status == 422
            else ("the form is malformed")
        )
        raise UploadError(message, status=status) from None
    for name, value in pairs:
        if name in form.fields:
            raise UploadError(f"the form field {name!r} is given twice", status=422, field=name)
        if len(value.encode()) > MAX_FIELD_BYTES:
            raise UploadError(
                f"the form field {name!r} is longer than {_size(MAX_FIELD_BYTES)}",
                status=422,
                field=name,
            )
        form.fields[name] = value
    return form


class _Collector:
    """python-multipart callbacks that gather the parts of one form into memory."""

    def __init__(self, charset: str) -> None:
        self.charset = charset
        self.form = Form()
        self.begin()

    def begin(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.header = b""
        self.value = b""
        self.name = ""
        self.is_file = False
        self.data = bytearray()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header.lower()] = self.value
        self.header, self.value = b"", b""

    def headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(self.headers.get(b"content-disposition"))
        if b"name" not in options:
            raise UploadError("a form part has no name in its Content-Disposition", status=400)
        self.name = options[b"name"].decode(self.charset, errors="replace")
        if self.name in self.form.fields or self.name in self.form.files:
            raise UploadError(
                f"the form field {self.name!r} is given twice", status=422, field=self.name
            )
        self.is_file = b"filename" in options
        if not self.is_file and len(self.form.fields) >= MAX_FIELDS:
            raise UploadError(f"too many form fields (at most {MAX_FIELDS})", status=422)

    def part_data(self, data: bytes, start: int, end: int) -> None:
        self.data += data[start:end]
        if not self.is_file and len(self.data) > MAX_FIELD_BYTES:
            raise UploadError(
                f"the form field {self.name!r} is longer than {_size(MAX_FIELD_BYTES)}",
                status=422,
                field=self.name,
            )
        if len(self.data) > MAX_IMAGE_BYTES:
            raise too_large("the image", MAX_IMAGE_BYTES)

    def part_end(self) -> None:
        if self.is_file:
            declared = self.headers.get(b"content-type")
            self.form.files[self.name] = FilePart(
                bytes(self.data), declared.decode("latin-1") if declared else None
            )
        else:
            self.form.fields[self.name] = self.data.decode(self.charset, errors="replace")


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB"
