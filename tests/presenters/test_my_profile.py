"""A presenter's own profile: bio, homepage, affiliation and photo; never their name, slug or address."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from presenters.models import Activity
from tests.factories import png_file
from tests.presenters import pages
from tests.presenters.pages import form_errors, text_of

pytestmark = pytest.mark.django_db

own_client, presenter = pages.own_client, pages.presenter  # fixtures

URL = reverse("account:profile")


def profile(**fields) -> dict:
    return {
        "affiliation": "Navy",
        "homepage": "https://hopper.example.org",
        "bio": "Wrote *COBOL*.",
        **fields,
    }


def test_a_presenter_edits_their_profile_and_photo(own_client, presenter):
    photo = png_file("me.png", size=(600, 400))
    typed = profile(
        photo=SimpleUploadedFile("me.png", photo.read()), name="Someone Else", email="x@example.org"
    )

    response = own_client.post(URL, typed)

    assert (response.status_code, response["Location"]) == (302, URL)
    presenter.refresh_from_db()
    assert (
        presenter.name,
        presenter.email,
        presenter.affiliation,
        presenter.homepage,
        presenter.bio_html,
    ) == (
        "Grace Hopper",
        "grace.hopper@example.edu",
        "Navy",
        "https://hopper.example.org",
        "<p>Wrote <em>COBOL</em>.</p>",
    )
    assert (presenter.photo.width, presenter.photo_small.width) == (512, 128)
    assert list(Activity.objects.values_list("action", "detail", "user")) == [
        ("profile_edited", "affiliation, homepage, bio, photo", presenter.user.pk)
    ]
    assert presenter.history.first().history_user == presenter.user
    html = own_client.get(URL).content.decode()
    assert "Your profile is saved." in html
    assert f'src="{presenter.photo_small.url}"' in html


def test_the_profile_page_opens_the_presenters_own_private_photo(own_client, presenter):
    own_client.post(URL, profile(photo=SimpleUploadedFile("me.png", png_file().read())))
    presenter.refresh_from_db()

    response = own_client.get(presenter.photo_small.url)
    content = b"".join(response.streaming_content)  # read to the end: the client then closes the file

    assert presenter.photo_small.name.startswith("private/")
    assert (response.status_code, response["Content-Type"], content[:4]) == (200, "image/webp", b"RIFF")


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"homepage": "http://hopper.example.org"},
            {"homepage": ["Enter an address starting with https://."]},
        ),
        (
            {"affiliation": "x" * 201},
            {"affiliation": ["Ensure this value has at most 200 characters (it has 201)."]},
        ),
        ({"bio": "x" * 5_001}, {"bio": ["Ensure this value has at most 5000 characters (it has 5001)."]}),
        (
            {"photo": SimpleUploadedFile("me.png", b"not an image at all")},
            {"photo": ["Upload a JPEG, PNG, WebP or GIF image."]},
        ),
    ],
    ids=["http-homepage", "long-affiliation", "long-bio", "not-an-image"],
)
def test_bad_profile_input_is_refused_and_nothing_changes(own_client, presenter, fields, errors):
    response = own_client.post(URL, profile(**fields))

    assert response.status_code == 400
    assert form_errors(response) == {"form": errors}
    presenter.refresh_from_db()
    assert (presenter.affiliation, presenter.bio, presenter.photo.name) == ("", "", "")
    assert Activity.objects.count() == 0


def test_an_unchanged_profile_records_nothing(own_client, presenter):
    response = own_client.post(URL, {"affiliation": "", "homepage": "", "bio": ""}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert [str(message) for message in response.context["messages"]] == ["Nothing changed."]
    assert text_of(response.content.decode(), "content").count("Nothing changed.") == 1
    assert Activity.objects.count() == 0


@pytest.mark.parametrize("photo", [False, True])
def test_the_profile_page_costs_the_same_queries_with_or_without_a_photo(
    own_client, presenter, photo, django_assert_num_queries
):
    if photo:
        presenter.photo = png_file()
        presenter.save()
    # session, user, presenter
    with django_assert_num_queries(3):
        response = own_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Grace Hopper · " in text_of(html, "content")
    assert html.count('alt="Your photo"') == (1 if photo else 0)
    if photo:
        assert f'src="{presenter.photo_small.url}"' in html
