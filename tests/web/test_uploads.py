"""Upload checks in isolation: magic bytes, size caps, in-memory multipart parsing."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from moodtune.web.uploads import (
    MAX_FIELD_BYTES,
    MAX_FIELDS,
    MAX_IMAGE_BYTES,
    UploadError,
    check_image,
    declared_length,
    parse_multipart,
    read_capped,
    sniff_image,
)

from .helpers import encode_image

PICTURE = np.random.default_rng(0).integers(0, 255, (24, 32, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("format", "mime"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_real_images_are_recognised_by_their_bytes(format, mime):
    data = encode_image(PICTURE, format)
    assert sniff_image(data)[1] == mime
    assert check_image(data, "application/octet-stream") == mime
    assert check_image(data, None) == mime


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world",
        b"%PDF-1.7\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"<!doctype html><script>",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"\x00\x00\x00\x18ftypheic",
    ],
)
def test_other_content_is_not_an_image(data):
    assert sniff_image(data) is None


def test_check_image_statuses():
    jpeg = encode_image(PICTURE, "JPEG")
    with pytest.raises(UploadError) as spoofed:
        check_image(b"MZ\x90\x00 executable", "image/jpeg")
    assert spoofed.value.status == 415 and "labelled 'image/jpeg'" in str(spoofed.value)
    with pytest.raises(UploadError) as declared:
        check_image(jpeg, "text/html; charset=utf-8")
    assert declared.value.status == 415 and "'text/html'" in str(declared.value)
    with pytest.raises(UploadError) as empty:
        check_image(b"", "image/png")
    assert empty.value.status == 422
    with pytest.raises(UploadError) as big:
        check_image(jpeg[:3] + b"\0" * MAX_IMAGE_BYTES, "image/jpeg")
    assert big.value.status == 413 and "20 MB" in str(big.value)


def test_declared_length():
    declared_length(None, 10, "x")
    declared_length("10", 10, "x")
    with pytest.raises(UploadError) as over:
        declared_length("11", 10, "the upload")
    assert over.value.status == 413
    with pytest.raises(UploadError) as garbage:
        declared_length("ten", 10, "x")
    assert garbage.value.status == 400


def test_read_capped_stops_as_soon_as_the_cap_is_passed():
    pulled = []

    async def stream():
        for n in range(100):
            pulled.append(n)
            yield b"x" * 10

    assert len(asyncio.run(read_capped(stream(), 1000, "x"))) == 1000
    pulled.clear()
    with pytest.raises(UploadError) as caught:
        asyncio.run(read_capped(stream(), 55, "the body"))
    assert caught.value.status == 413
    assert len(pulled) == 6  # stopped at the first chunk past the cap, not at the end


def form(*parts: tuple[str, bytes, str | None, str | None], boundary: str = "b0undary") -> bytes:
    """A multipart body from (name, data, filename, content type) parts."""
    out = b""
    for name, data, filename, content_type in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


TYPE = "multipart/form-data; boundary=b0undary"


def test_parse_multipart_keeps_fields_and_files_in_memory():
    jpeg = encode_image(PICTURE, "JPEG")
    parsed = parse_multipart(
        form(
            ("image", jpeg, "../../etc/evil.jpg", "image/jpeg"),
            ("text", "ünïcode words".encode(), None, None),
            ("k", b"5", None, None),
        ),
        TYPE,
    )
    assert parsed.fields == {"text": "ünïcode words", "k": "5"}
    assert parsed.files["image"].data == jpeg
    assert parsed.files["image"].content_type == "image/jpeg"
    assert not hasattr(parsed.files["image"], "filename")  # the client's name is not kept


def test_parse_multipart_limits():
    with pytest.raises(UploadError, match="given twice"):
        parse_multipart(form(("k", b"1", None, None), ("k", b"2", None, None)), TYPE)
    many = [(f"f{n}", b"1", None, None) for n in range(MAX_FIELDS + 1)]
    with pytest.raises(UploadError, match="too many form fields"):
        parse_multipart(form(*many), TYPE)
    with pytest.raises(UploadError, match="longer than") as long:
        parse_multipart(form(("text", b"x" * (MAX_FIELD_BYTES + 1), None, None)), TYPE)
    assert long.value.status == 422 and long.value.field == "text"
    with pytest.raises(UploadError, match="no boundary"):
        parse_multipart(b"", "multipart/form-data")
    with pytest.raises(UploadError) as malformed:
        parse_multipart(b"--b0undary\r\nno headers end", TYPE)
    assert malformed.value.status == 400
