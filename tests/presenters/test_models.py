import pytest
from django.db import IntegrityError, transaction

from tests.factories import PresenterAliasFactory, PresenterFactory

pytestmark = pytest.mark.django_db


def test_an_alias_names_one_presenter_ignoring_case():
    PresenterAliasFactory(name="ChaoJiang")

    with pytest.raises(IntegrityError), transaction.atomic():
        PresenterAliasFactory(name="chaojiang")


def test_presenters_with_the_same_name_get_distinct_slugs():
    first, second = PresenterFactory(name="Chao Jiang"), PresenterFactory(name="Chao Jiang")

    assert [first.slug, second.slug] == ["chao-jiang", "chao-jiang-2"]
