"""Presenter photos: checked with Pillow on the way in, stored as upright squares without metadata.

An upload is never stored as it came. `square_versions` decodes it and encodes two new squares, so
its EXIF (camera, time, GPS position) and any other metadata never reach storage.
"""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError, features

from syllabus.storage import new_key, stored_name

FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
LARGE = 512
SMALL = 128
WRONG_KIND = "Upload a JPEG, PNG, WebP or GIF image."
DAMAGED = "This image is damaged or incomplete."


def photo_storage_name(presenter, filename: str) -> str:
    """`presenters/<random key>/<name>`, in the private store unless the save found the presenter public."""
    key = getattr(presenter, "_files_key", None) or new_key()
    return stored_name(
        presenter.files_folder(key), filename, private=getattr(presenter, "_files_private", True)
    )


def max_photo_bytes() -> int:
    return getattr(settings, "PHOTO_MAX_BYTES", 10_000_000)


def max_photo_pixels() -> int:
    return getattr(settings, "PHOTO_MAX_PIXELS", 40_000_000)


def help_text() -> str:
    return (
        f"A JPEG, PNG, WebP or GIF image of at most {max_photo_bytes() / 1_000_000:g} MB and "
        f"{max_photo_pixels() / 1_000_000:g} megapixels. It is stored as a square cut from its middle "
        f"({LARGE} and {SMALL} pixels), without its metadata (camera, location)."
    )


def is_new_upload(file) -> bool:
    """A file assigned to the field and not stored yet (a stored one is a name, read from the database)."""
    return bool(file) and not getattr(file, "_committed", True)


def validate_photo(file) -> None:
    """Model-field validator: a new upload must be a small enough JPEG, PNG, WebP or GIF that decodes."""
    if not is_new_upload(file):
        return  # already stored: it was checked, and re-encoded, on its way in
    limit = max_photo_bytes()
    if file.size > limit:
        raise ValidationError(
            f"This file is {file.size / 1_000_000:.1f} MB; photos may be at most {limit / 1_000_000:g} MB.",
            code="photo_size",
        )
    upright_image(file)


def upright_image(file, *, at_least: int = LARGE) -> Image.Image:
    """The upload's first frame, decoded and turned upright; ValidationError if it is not a photo we take.

    A large image is reduced while it stays at least `at_least` pixels a side; a JPEG is even decoded
    at a reduced scale (1/2 to 1/8), which saves the memory of its full size.
    """
    try:
        with _opened(file) as image:
            _check_pixels(image)
            image.verify()  # checksums and structure, without decoding; the image is unusable after
        with _opened(file) as image:
            image.draft(None, (at_least, at_least))
            image.load()
            # Shrink before the copies that follow (turning, colours), still at least `at_least` a side.
            # Palette, 1-bit and 16-bit grey images cannot be reduced, and take at most 2 bytes a pixel.
            factor = min(image.size) // at_least
            if factor > 1 and image.mode not in ("P", "1", "I;16"):
                image = image.reduce(factor)
            return ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except Exception:
        # Pillow reports a broken file with many exception types (OSError, SyntaxError, ValueError,
        # struct.error, ...): whatever it raises, the upload cannot be used.
        raise ValidationError(DAMAGED, code="photo_damaged") from None
    finally:
        file.seek(0)


def _opened(file) -> Image.Image:
    file.seek(0)
    try:
        return Image.open(file, formats=FORMATS)
    except UnidentifiedImageError:
        raise ValidationError(WRONG_KIND, code="photo_kind") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses huge images itself (and warns, an exception where warnings are errors) before
        # telling their size; our own limit is lower, so these are over it too.
        raise ValidationError(
            f"This image is too large; the limit is {max_photo_pixels() / 1_000_000:g} megapixels.",
            code="photo_pixels",
        ) from None


def _check_pixels(image: Image.Image) -> None:
    """Refuse before decoding: the header's size decides the memory the pixels would take."""
    width, height = image.size
    limit = max_photo_pixels()
    if width * height > limit:
        raise ValidationError(
            f"This image is too large: {width} x {height} pixels; the limit is {limit / 1_000_000:g} megapixels.",
            code="photo_pixels",
        )


def square_versions(file, *, stem: str) -> tuple[ContentFile, ContentFile]:
    """The photo as centred squares, `<stem>-512` and `<stem>-128`, in WebP (JPEG without WebP support)."""
    image = _flat_rgb(_in_srgb(upright_image(file, at_least=LARGE)))
    return _square(image, LARGE, stem), _square(image, SMALL, stem)


def _in_srgb(image: Image.Image) -> Image.Image:
    """Colours converted by the image's own ICC profile, which is dropped with the rest of the metadata.

    Without this a phone's Display P3 photo would look dull, read as sRGB.
    """
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "L", "CMYK") or "transparency" in image.info:
        return image
    try:
        return ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile, or one for other colours than the image's: keep the values


def _flat_rgb(image: Image.Image) -> Image.Image:
    """RGB with transparency flattened onto white, and no metadata left for an encoder to copy."""
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    else:
        image = image.convert("RGB")
    image.info = {}
    return image


def _square(image: Image.Image, side: int, stem: str) -> ContentFile:
    return _encoded(ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS), f"{stem}-{side}")


def _encoded(image: Image.Image, stem: str) -> ContentFile:
    buffer = io.BytesIO()
    if features.check("webp"):
        image.save(buffer, "WEBP", quality=85, method=6)
        extension = "webp"
    else:
        image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
        extension = "jpg"
    return ContentFile(buffer.getvalue(), name=f"{stem}.{extension}")
