"""Presenter photos: checked with Pillow, refused with a message, stored upright and square without EXIF."""

import io
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import ExifTags, Image, ImageCms

from presenters.models import Presenter
from tests.factories import PresenterFactory, public_presenter
from tests.syllabus.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db

WRONG_KIND = "Upload a JPEG, PNG, WebP or GIF image."
DAMAGED = "This image is damaged or incomplete."
TOO_MANY_PIXELS = "This image is too large: 8000 x 6000 pixels; the limit is 40 megapixels."
BOMB = "This image is too large; the limit is 40 megapixels."
COLOURS = {"red": (255, 0, 0), "blue": (0, 0, 255), "green": (0, 128, 0), "white": (255, 255, 255)}


# Images made here ---------------------------------------------------------------------------------


def image_bytes(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def camera_jpeg() -> bytes:
    """300 x 200 as stored, left half red; EXIF says "turn 90° clockwise" and tells the camera and place.

    Upright it is 200 x 300 with red on top, so its centred square is red above and blue below.
    """
    image = Image.new("RGB", (300, 200), "blue")
    image.paste(COLOURS["red"], (0, 0, 150, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Canon"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    return image_bytes(image, "JPEG", exif=exif, quality=95)


def half_transparent_png() -> bytes:
    """Left half fully transparent, right half green; large enough to be reduced before it is cropped."""
    image = Image.new("RGBA", (1200, 1200), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (600, 0, 1200, 1200))
    return image_bytes(image, "PNG")


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height`: a decompression bomb as far as its size goes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = image_bytes(Image.linear_gradient("L").resize((600, 600)).convert("RGB"), "JPEG")
    return data[: len(data) // 2]


def upload(content: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored_image(field_file) -> Image.Image:
    with field_file.storage.open(field_file.name, "rb") as stored:
        return Image.open(io.BytesIO(stored.read()))


def stored_files() -> list[str]:
    """Every stored photo, public or private, as its stored name with the random folder shown as <key>."""
    found = []
    for prefix, storage in (("", storages["default"]), ("private/", storages["private"])):
        if storage.exists("presenters"):
            for key in storage.listdir("presenters")[0]:
                found += [
                    f"{prefix}presenters/{key}/{name}" for name in storage.listdir(f"presenters/{key}")[1]
                ]
    return sorted(unkeyed(name) for name in found)


def unkeyed(*names: str):
    """Stored names with their random folder shown as <key>: one name, or a tuple of them."""
    shown = tuple(re.sub(r"/[A-Za-z0-9_-]{8}/", "/<key>/", name) for name in names)
    return shown[0] if len(shown) == 1 else shown


def colour_at(image: Image.Image, xy: tuple[int, int]) -> str:
    """The name of the known colour nearest to the pixel (WebP is lossy, so never exact)."""
    pixel = image.convert("RGB").getpixel(xy)
    return min(COLOURS, key=lambda name: sum((a - b) ** 2 for a, b in zip(pixel, COLOURS[name], strict=True)))


def refusal(content: bytes, name: str = "photo.jpg") -> list[str]:
    presenter = PresenterFactory.build(photo=upload(content, name))
    with pytest.raises(ValidationError) as refused:
        presenter.full_clean()
    return refused.value.message_dict["photo"]


# Stored versions ----------------------------------------------------------------------------------


def test_a_camera_photo_is_stored_upright_as_two_squares_without_exif():
    presenter = PresenterFactory(name="Ada Lovelace", photo=upload(camera_jpeg()))

    large, small = stored_image(presenter.photo), stored_image(presenter.photo_small)
    # Nobody announced this presenter yet: their photo is private, in a random folder.
    assert unkeyed(presenter.photo.name, presenter.photo_small.name) == (
        "private/presenters/<key>/ada-lovelace-512.webp",
        "private/presenters/<key>/ada-lovelace-128.webp",
    )
    assert stored_files() == [
        "private/presenters/<key>/ada-lovelace-128.webp",
        "private/presenters/<key>/ada-lovelace-512.webp",
    ]
    assert [(image.format, image.size) for image in (large, small)] == [
        ("WEBP", (512, 512)),
        ("WEBP", (128, 128)),
    ]
    assert [colour_at(large, (256, 64)), colour_at(large, (256, 448))] == ["red", "blue"]
    assert [colour_at(small, (64, 16)), colour_at(small, (64, 112))] == ["red", "blue"]
    for image in (large, small):
        assert (dict(image.getexif()), {"exif", "icc_profile", "xmp"} & set(image.info)) == ({}, set())
    with presenter.photo.open("rb") as stored:
        content = stored.read()
    assert (b"Exif" in content, b"Canon" in content) == (False, False)


def test_transparency_is_flattened_onto_white():
    presenter = PresenterFactory(photo=upload(half_transparent_png(), "logo.png"))

    large = stored_image(presenter.photo)
    assert (large.mode, colour_at(large, (100, 256)), colour_at(large, (400, 256))) == (
        "RGB",
        "white",
        "green",
    )


def test_colours_are_converted_by_the_icc_profile_which_is_then_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    content = image_bytes(Image.new("RGB", (64, 64), "red"), "JPEG", icc_profile=srgb)

    large = stored_image(PresenterFactory(photo=upload(content)).photo)

    assert ("icc_profile" in large.info, colour_at(large, (256, 256))) == (False, "red")


@pytest.mark.parametrize("size", [(40, 30), (1100, 1050)])
@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_every_accepted_format_becomes_the_same_two_squares(format, size):
    content = image_bytes(Image.new("RGB", size, "blue"), format)

    presenter = PresenterFactory(photo=upload(content, f"photo.{format.lower()}"))

    sizes = [stored_image(presenter.photo).size, stored_image(presenter.photo_small).size]
    assert (sizes, colour_at(stored_image(presenter.photo), (256, 256))) == ([(512, 512), (128, 128)], "blue")


# Refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, name",
    [
        (b"These are my notes, not a photo.\n", "photo.jpg"),
        (image_bytes(Image.new("RGB", (8, 8)), "BMP"), "photo.bmp"),
        (image_bytes(Image.new("RGB", (8, 8)), "TIFF"), "photo.tiff"),
        (b"", "photo.jpg"),
    ],
)
def test_a_file_that_is_not_a_jpeg_png_webp_or_gif_is_refused(content, name):
    assert refusal(content, name) == [WRONG_KIND]


@pytest.mark.parametrize(
    "content", [truncated_jpeg(), image_bytes(Image.new("RGB", (64, 64), "red"), "PNG")[:-40]]
)
def test_a_truncated_image_is_refused(content):
    assert refusal(content) == [DAMAGED]


def test_an_image_over_the_pixel_limit_is_refused_by_its_header_with_its_size():
    assert refusal(png_header(8000, 6000), "huge.png") == [TOO_MANY_PIXELS]


def test_a_decompression_bomb_is_refused_before_pillow_decodes_it():
    assert refusal(png_header(20_000, 20_000), "bomb.png") == [BOMB]


def test_the_pixel_limit_comes_from_the_settings(settings):
    settings.PHOTO_MAX_PIXELS = 10_000

    assert refusal(png_header(101, 100), "wide.png") == [
        "This image is too large: 101 x 100 pixels; the limit is 0.01 megapixels."
    ]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.PHOTO_MAX_BYTES = 1_000_000

    assert refusal(b"\xff\xd8" + b"\x00" * 1_500_000) == ["This file is 1.5 MB; photos may be at most 1 MB."]


def test_a_stored_photo_is_not_read_again_when_the_presenter_is_checked():
    presenter = PresenterFactory(photo=upload(camera_jpeg()))
    presenter = Presenter.objects.get(pk=presenter.pk)
    presenter.photo.storage.delete(presenter.photo.name)

    presenter.full_clean()  # would fail to open the file if it checked it again


# Stored files follow the presenter ----------------------------------------------------------------


def test_saving_without_a_new_photo_keeps_the_same_files(django_capture_on_commit_callbacks):
    PresenterFactory(name="Ada", photo=upload(camera_jpeg()))
    presenter = Presenter.objects.get()
    before = stored_image(presenter.photo).tobytes()
    names = (presenter.photo.name, presenter.photo_small.name)

    with django_capture_on_commit_callbacks(execute=True):
        presenter.name = "Ada L."
        presenter.save()

    presenter.refresh_from_db()
    assert (presenter.photo.name, presenter.photo_small.name) == names
    assert stored_files() == [
        "private/presenters/<key>/ada-128.webp",
        "private/presenters/<key>/ada-512.webp",
    ]
    assert stored_image(presenter.photo).tobytes() == before


def test_saving_only_the_photo_saves_its_small_square_too():
    PresenterFactory(name="Ada")
    presenter = Presenter.objects.get()

    presenter.photo = upload(camera_jpeg())
    presenter.save(update_fields=["photo"])

    assert [unkeyed(*names) for names in Presenter.objects.values_list("photo", "photo_small")] == [
        ("private/presenters/<key>/ada-512.webp", "private/presenters/<key>/ada-128.webp")
    ]


def test_replacing_the_photo_deletes_the_old_files(django_capture_on_commit_callbacks):
    PresenterFactory(name="Ada", photo=upload(camera_jpeg()))
    presenter = Presenter.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        presenter.photo = upload(half_transparent_png(), "new.png")
        presenter.save()

    assert stored_files() == sorted(unkeyed(presenter.photo.name, presenter.photo_small.name))
    assert unkeyed(presenter.photo.name) == "private/presenters/<key>/ada-512.webp"
    assert colour_at(stored_image(presenter.photo), (400, 256)) == "green"


def test_clearing_the_photo_deletes_its_files(django_capture_on_commit_callbacks):
    PresenterFactory(name="Ada", photo=upload(camera_jpeg()))
    presenter = Presenter.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        presenter.photo = None
        presenter.save()

    presenter.refresh_from_db()
    assert (presenter.photo.name, presenter.photo_small.name, stored_files()) == ("", "", [])


def test_a_rolled_back_replacement_keeps_the_old_files(django_capture_on_commit_callbacks):
    PresenterFactory(name="Ada", photo=upload(camera_jpeg()))
    presenter = Presenter.objects.get()
    before = presenter.photo.name

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        presenter.photo = upload(half_transparent_png(), "new.png")
        presenter.save()
        raise RuntimeError("something later in the request failed")

    assert callbacks == []
    presenter.refresh_from_db()
    assert presenter.photo.name == before
    assert presenter.photo.storage.exists(before) and presenter.photo_small.storage.exists(
        presenter.photo_small.name
    )


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_deleting_a_presenter_deletes_their_photo_files(how, django_capture_on_commit_callbacks):
    PresenterFactory(name="Ada", photo=upload(camera_jpeg()))
    PresenterFactory(name="Ben", photo=upload(camera_jpeg()))

    with django_capture_on_commit_callbacks(execute=True):
        if how == "instance":
            Presenter.objects.get(name="Ada").delete()
        else:
            Presenter.objects.filter(name="Ada").delete()

    assert stored_files() == [
        "private/presenters/<key>/ben-128.webp",
        "private/presenters/<key>/ben-512.webp",
    ]


# Through the admin and the API --------------------------------------------------------------------


def post_presenter_page(client, presenter: Presenter, **changes):
    url = admin_url(presenter, "change", presenter.pk)
    data = form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


# Each bad upload and the message it gets, from the admin and from the API alike.
BAD_PHOTOS = pytest.mark.parametrize(
    "content, name, message",
    [
        (b"These are my notes, not a photo.\n", "photo.jpg", WRONG_KIND),
        (png_header(20_000, 20_000), "bomb.png", BOMB),
        (png_header(8000, 6000), "huge.png", TOO_MANY_PIXELS),
        (truncated_jpeg(), "photo.jpg", DAMAGED),
    ],
)


def test_an_instructor_uploads_a_photo_in_the_admin(staff_client):
    presenter = PresenterFactory(name="Ada")

    response = post_presenter_page(staff_client, presenter, photo=upload(camera_jpeg()))

    assert response.status_code == 302, response.context["adminform"].form.errors
    presenter.refresh_from_db()
    assert unkeyed(presenter.photo.name, presenter.photo_small.name) == (
        "private/presenters/<key>/ada-512.webp",
        "private/presenters/<key>/ada-128.webp",
    )
    small = presenter.photo_small.name.removeprefix("private/")
    page = staff_client.get(admin_url(presenter, "change", presenter.pk)).content.decode()
    assert f'<img src="/files/{small}" alt="Photo of Ada" width="128" height="128"' in page
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in page
    assert "at most 10 MB and 40 megapixels" in page


@BAD_PHOTOS
def test_the_admin_refuses_a_bad_photo_with_its_message(staff_client, content, name, message):
    presenter = PresenterFactory(name="Ada")

    response = post_presenter_page(staff_client, presenter, photo=upload(content, name))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"photo": [message]}
    presenter.refresh_from_db()
    assert (presenter.photo.name, stored_files()) == ("", [])


def test_the_api_takes_a_photo_and_answers_with_both_squares(editor_api):
    presenter = public_presenter(name="Ada")

    response = editor_api.put(
        reverse("api:presenter-photo", args=[presenter.pk]),
        {"photo": upload(camera_jpeg())},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert unkeyed(body["photo"], body["photo_small"]) == (
        "http://testserver/media/presenters/<key>/ada-512.webp",
        "http://testserver/media/presenters/<key>/ada-128.webp",
    )
    assert stored_files() == ["presenters/<key>/ada-128.webp", "presenters/<key>/ada-512.webp"]


@BAD_PHOTOS
def test_the_api_refuses_a_bad_photo_with_its_message(editor_api, content, name, message):
    presenter = public_presenter(name="Ada")

    response = editor_api.put(
        reverse("api:presenter-photo", args=[presenter.pk]),
        {"photo": upload(content, name)},
        format="multipart",
    )

    assert (response.status_code, response.json()) == (400, {"photo": [message]})
    assert stored_files() == []


def test_the_api_removes_a_photo(editor_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the photo moves to the public store
        presenter = public_presenter(name="Ada", photo=upload(camera_jpeg()))

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.delete(reverse("api:presenter-photo", args=[presenter.pk]))

    assert response.status_code == 200, response.json()
    assert (response.json()["photo"], response.json()["photo_small"], stored_files()) == (None, None, [])
    assert response["ETag"] == editor_api.get(reverse("api:presenter-detail", args=[presenter.pk]))["ETag"]


def test_the_api_replaces_a_photo_and_deletes_the_old_squares(editor_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the photo moves to the public store
        presenter = public_presenter(name="Ada", photo=upload(camera_jpeg()))
    presenter.refresh_from_db()
    old = {presenter.photo.name, presenter.photo_small.name}

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.put(
            reverse("api:presenter-photo", args=[presenter.pk]),
            {"photo": upload(camera_jpeg())},
            format="multipart",
        )

    assert response.status_code == 200, response.json()
    presenter.refresh_from_db()
    new = {presenter.photo.name, presenter.photo_small.name}
    assert new.isdisjoint(old) and "" not in new
    assert stored_files() == ["presenters/<key>/ada-128.webp", "presenters/<key>/ada-512.webp"]
    assert [
        name for name in old if storages["default"].exists(name) or storages["private"].exists(name)
    ] == []


def test_the_api_refuses_a_photo_put_without_a_file(editor_api):
    presenter = public_presenter(name="Ada")

    response = editor_api.put(reverse("api:presenter-photo", args=[presenter.pk]), {}, format="multipart")

    assert (response.status_code, response.json()) == (400, {"photo": ["No file was submitted."]})


def test_presenter_fields_are_written_as_json_and_the_photo_only_on_its_own_address(editor_api):
    presenter = public_presenter(name="Ada")
    detail = reverse("api:presenter-detail", args=[presenter.pk])

    as_form = editor_api.patch(detail, {"photo": upload(camera_jpeg())}, format="multipart")
    as_json = editor_api.patch(detail, {"photo": None, "aliases": ["A. Lovelace"]}, format="json")

    assert as_form.status_code == 415
    assert (as_json.status_code, as_json.json()["photo"], as_json.json()["aliases"]) == (
        200,
        None,
        ["A. Lovelace"],
    )
    assert stored_files() == []


def test_presenter_pages_show_the_small_square_in_lists_and_the_large_one_on_the_page(client):
    presenter = public_presenter(name="Ada", photo=upload(camera_jpeg()))

    presenter.refresh_from_db()
    large, small = presenter.photo.name, presenter.photo_small.name

    listing = client.get(reverse("presenters:list")).content.decode()
    page = client.get(presenter.get_absolute_url()).content.decode()

    assert unkeyed(large, small) == ("presenters/<key>/ada-512.webp", "presenters/<key>/ada-128.webp")
    assert f'<img src="/media/{small}" alt="" width="48" height="48" loading="lazy">' in listing
    assert f'<img class="photo" src="/media/{large}" alt="Photo of Ada" width="160" height="160">' in page


def test_deleting_presenters_loaded_without_their_photo_columns_removes_the_files(
    django_capture_on_commit_callbacks,
):
    presenter = PresenterFactory(name="Ada")
    presenter.photo = upload(camera_jpeg())
    presenter.save()

    with django_capture_on_commit_callbacks(execute=True):
        Presenter.objects.only("id").delete()

    assert stored_files() == []
