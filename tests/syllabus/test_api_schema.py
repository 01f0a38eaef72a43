"""The OpenAPI schema is one a client generator can use: one request content type per operation, a
summary on each, servers, and null spelled out as an option (syllabus.api_schema)."""

import pytest
from django.urls import reverse

from tests.factories import PresentationFactory, WeekFactory
from tests.syllabus.test_settings import PRODUCTION, load_settings

pytestmark = pytest.mark.django_db

NULL = {"$ref": "#/components/schemas/NullEnum"}
# Only where a file is sent; a presenter's and a deck's other fields are written as JSON, where a list
# (aliases) and null (a deck's presenter) can be said.
UPLOADS = {"presenters_photo_replace", "slides_create", "slides_file_replace"}


@pytest.fixture
def schema(anonymous_api):
    return anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def operations(schema) -> dict[str, dict]:
    return {
        operation["operationId"]: operation
        for path in schema["paths"].values()
        for method, operation in path.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_request_bodies_are_json_or_multipart_where_a_file_is_uploaded(schema):
    bodies = {
        operation_id: list(operation["requestBody"]["content"])
        for operation_id, operation in operations(schema).items()
        if "requestBody" in operation
    }

    assert {name for name, types in bodies.items() if types == ["multipart/form-data"]} == UPLOADS
    assert {name for name, types in bodies.items() if types != ["multipart/form-data"]} == {
        name for name, types in bodies.items() if types == ["application/json"]
    }
    assert {"papers_create", "papers_partial_update", "weeks_order", "signups_votes"} <= set(bodies)
    assert {"presenters_partial_update", "slides_partial_update"} <= set(bodies)


def test_file_uploads_have_their_own_operations_with_the_file_alone(schema):
    found = operations(schema)
    schemas = schema["components"]["schemas"]

    def body(operation_id: str) -> dict:
        ref = found[operation_id]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
        return schemas[ref.rsplit("/", 1)[-1]]

    assert {
        name: (found[name]["summary"], body(name)["required"]) for name in UPLOADS - {"slides_create"}
    } == {
        "presenters_photo_replace": ("Upload a presenter's photo", ["photo"]),
        "slides_file_replace": ("Upload a slide deck's file", ["file"]),
    }
    assert (
        found["presenters_photo_remove"]["summary"],
        "requestBody" in found["presenters_photo_remove"],
    ) == (
        "Remove a presenter's photo",
        False,
    )
    assert schemas["PatchedPresenterRequest"]["properties"].keys().isdisjoint({"photo", "photo_small"})
    assert "file" not in schemas["PatchedSlideDeckRequest"]["properties"]
    assert schemas["PatchedSlideDeckRequest"]["properties"]["presenter"] == {
        "type": "integer",
        "nullable": True,
    }


def test_every_operation_has_a_summary_and_its_own_operation_id(schema):
    found = [
        operation
        for path in schema["paths"].values()
        for method, operation in path.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    summaries = {operation["operationId"]: operation.get("summary") for operation in found}

    assert [operation_id for operation_id, summary in summaries.items() if not summary] == []
    assert len(summaries) == len(found)
    assert {name: summaries[name] for name in ["papers_create", "slides_partial_update", "terms_copy"]} == {
        "papers_create": "Add a paper",
        "slides_partial_update": "Change some fields of a slide deck",
        "terms_copy": "Copy a term forward into a new draft term",
    }


def test_no_nullable_union_or_reference_without_a_type(schema):
    bare = []
    pending = [("", schema)]
    while pending:
        where, node = pending.pop()
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node:
                bare.append(where)
            pending.extend((f"{where}/{key}", value) for key, value in node.items())
        elif isinstance(node, list):
            pending.extend((f"{where}/{index}", value) for index, value in enumerate(node))

    row = schema["components"]["schemas"]["PresentationInWeek"]["properties"]["paper"]
    assert bare == []
    assert row["oneOf"] == [{"$ref": "#/components/schemas/PaperInRow"}, NULL]
    assert schema["components"]["schemas"]["NullEnum"] == {"enum": [None]}


def test_a_row_without_a_paper_answers_the_null_the_schema_offers(anonymous_api):
    week = WeekFactory(is_published=True, term__is_published=True)
    PresentationFactory(week=week, paper=None, label="Open discussion")

    answer = anonymous_api.get(reverse("api:week-detail", args=[week.pk])).json()

    assert [(row["label"], row["paper"]) for row in answer["presentations"]] == [("Open discussion", None)]


def test_servers_is_this_site_or_where_the_schema_was_read(schema, monkeypatch, tmp_path):
    site = load_settings(monkeypatch, tmp_path, **PRODUCTION, SITE_URL="https://seminar.example.edu/")

    assert schema["servers"] == [{"url": "/", "description": "This site"}]
    assert site["SPECTACULAR_SETTINGS"]["SERVERS"] == [
        {"url": "https://seminar.example.edu", "description": "This site"}
    ]


def test_a_form_post_to_a_json_only_address_is_refused_with_415(editor_api):
    answer = editor_api.post(reverse("api:paper-list"), {"title": "A form"}, format="multipart")

    assert answer.status_code == 415
    assert answer.json()["detail"].startswith('Unsupported media type "multipart/form-data;')


def test_a_deck_given_as_a_link_may_still_be_sent_as_json(editor_api):
    week = WeekFactory()

    answer = editor_api.post(
        reverse("api:slidedeck-list"), {"week": week.pk, "link": "https://example.org/talk"}, format="json"
    )

    assert (answer.status_code, answer.json()["href"]) == (201, "https://example.org/talk")


def test_the_browsable_api_offers_json_for_a_json_only_address(admin_client):
    page = admin_client.get(reverse("api:paper-list"), HTTP_ACCEPT="text/html").content.decode()

    assert 'value="application/json"' in page
    assert "multipart/form-data" not in page


def test_reads_anyone_may_make_are_offered_without_a_token(schema):
    security = {name: operation["security"] for name, operation in operations(schema).items()}

    assert security["weeks_list"] == [{"tokenAuth": []}, {"cookieAuth": []}, {}]
    assert security["papers_create"] == [{"tokenAuth": []}, {"cookieAuth": []}]
    assert {} not in security["signups_preferences_retrieve"]
